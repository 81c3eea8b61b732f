import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport

/// An engine fixture plus a run history table in its schema, and passes recorded into it as
/// `partmand run` and `partmand once` record them (`Runtime.runPass`).
final class HistoryFixture: Sendable {
    let engine: EngineFixture
    let table: QualifiedName
    let spec: TableSpec

    init(_ prefix: String, retention: CalendarInterval? = RunHistoryTable.defaultRetention, create: Bool = true)
        throws
    {
        engine = try EngineFixture(prefix)
        table = QualifiedName(schema: engine.schema.name, name: "maintenance_log")
        spec = RunHistoryTable.spec(table, retention: retention)
        if create { try HistoryTableDDL.create(table, on: engine.schema.connection) }
    }

    /// A recorder for the history table, connecting as the test server's user (or `conninfo`).
    func recorder(
        runID: String = RunID.make(), trigger: PassTrigger = .scheduled, conninfo: String? = nil,
        logger: Logger = TestServer.silentLogger
    ) throws -> HistoryRecorder {
        HistoryRecorder(
            table: table, options: ConnectionOptions(conninfo: try conninfo ?? TestServer.conninfo()), runID: runID,
            trigger: trigger, timeouts: HistoryRecorder.Timeouts(lock: .milliseconds(200)), logger: logger)
    }

    /// A pass at the real clock over the history table and `tables` (specs of the engine fixture),
    /// recorded; returns the report and the pass's run id.
    @discardableResult
    func recordedPass(
        _ tables: [String], trigger: PassTrigger = .scheduled, engine passEngine: MaintenanceEngine? = nil,
        conninfo: String? = nil, logger: Logger = TestServer.silentLogger
    ) throws -> (report: PassReport, runID: String) {
        let runID = RunID.make()
        let recorder = try recorder(runID: runID, trigger: trigger, conninfo: conninfo, logger: logger)
        defer { recorder.finish() }
        let specs = [spec] + tables.map { engine.spec($0) }
        let report = (passEngine ?? engine.engine).runPass(
            specs, now: Date(), clock: .system, runID: runID, tableFinished: { recorder.record($0) })
        return (report, runID)
    }

    /// The history rows, oldest first, each as column → text (NULL: absent).
    func rows(where condition: String = "true") throws -> [[String: String]] {
        let columns = [
            "run_id", "started_at", "finished_at", "table_schema", "table_name", "engine", "status", "created",
            "retired", "moved", "sqlstate", "message", "partmand_version", "trigger",
        ]
        let result = try engine.schema.run(
            "SELECT \(columns.joined(separator: ", ")), (started_at <= finished_at)::text AS ordered FROM \(table.sql)"
                + " WHERE \(condition) ORDER BY started_at, table_name")
        return result.rows.map { row in
            var values: [String: String] = [:]
            for column in columns + ["ordered"] { values[column] = row[column] }
            return values
        }
    }
}
