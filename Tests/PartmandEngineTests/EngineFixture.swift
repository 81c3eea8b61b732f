import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import PartmandTime
import Testing

/// A test schema plus an engine pointed at the test server.
final class EngineFixture: Sendable {
    let schema: TestSchema
    let pool: ConnectionPool
    let engine: MaintenanceEngine

    /// Short timeouts so lock tests run quickly.
    static let fastSettings = MaintenanceSettings(
        lockTimeout: .milliseconds(200), statementTimeout: .seconds(30), retries: 2, backoff: .milliseconds(50),
        maxBackoff: .milliseconds(200))

    /// `poolSize` 1 makes a pass maintain its tables one after another, in order.
    init(
        _ prefix: String = "engine", settings: MaintenanceSettings = fastSettings, conninfo: String? = nil,
        poolSize: Int = 2
    ) throws {
        schema = try TestSchema(prefix, conninfo: conninfo)
        pool = ConnectionPool(
            options: ConnectionOptions(conninfo: try conninfo ?? TestServer.conninfo()).withMaintenanceTimeouts(
                settings), size: poolSize, logger: TestServer.silentLogger)
        engine = MaintenanceEngine(pool: pool, settings: settings, logger: TestServer.silentLogger)
    }

    deinit {
        pool.close()
        schema.drop()
    }

    /// Creates `schema.table (id bigint identity, <column> <type> not null, payload text)` partitioned by range.
    func createParent(_ table: String, column: String = "received_at", type: String = "timestamptz") throws {
        try schema.run(
            "CREATE TABLE \(schema.qualified(table)) (id bigint GENERATED ALWAYS AS IDENTITY, "
                + "\(SQL.identifier(column)) \(type) NOT NULL, payload text) "
                + "PARTITION BY RANGE (\(SQL.identifier(column)))")
    }

    func spec(
        _ table: String, column: String = "received_at", interval: String = "monthly", premake: Int = 4,
        retention: String? = "6 months", action: RetentionAction = .drop, defaultPartition: Bool = true,
        timeZone: String = "UTC"
    ) -> TableSpec {
        TableSpec(
            parent: QualifiedName(schema: schema.name, name: table), column: column,
            interval: CalendarInterval(parsing: interval)!, premake: premake,
            retention: retention.map { CalendarInterval(parsing: $0)! }, retentionAction: action,
            defaultPartition: defaultPartition, timeZone: Zone(identifier: timeZone)!)
    }

    /// Runs a pass at `now` (ISO-8601), retiring at the simulated `now`.
    @discardableResult
    func pass(_ specs: [TableSpec], at now: String) -> PassReport {
        engine.runPass(specs, now: instant(now), clock: .given(retireAnyway: true))
    }

    /// The partitions of `table` as `name FROM lower TO upper` (or `name DEFAULT`), in bound order.
    func partitions(_ table: String) throws -> [String] {
        try schema.run(
            """
            SELECT c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1)
            ORDER BY pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', 2
            """, [.text(schema.qualified(table))]
        ).rows.map { row in
            let bound = row["bound"]!
                .replacingOccurrences(of: "FOR VALUES ", with: "")
                .replacingOccurrences(of: "'", with: "")
                .replacingOccurrences(of: "(", with: "")
                .replacingOccurrences(of: ")", with: "")
            return "\(row["name"]!) \(bound)"
        }
    }

    /// The names of the partitions of `table`, in bound order.
    func partitionNames(_ table: String) throws -> [String] {
        try schema.run(
            "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = to_regclass($1) ORDER BY pg_get_expr(c.relpartbound, c.oid)",
            [.text(schema.qualified(table))]
        ).rows.map { $0["name"]! }
    }

    /// Rows per partition of `table`, e.g. `["t_p20261201": 2]`.
    func rowsPerPartition(_ table: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try schema.run(
            "SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM \(schema.qualified(table)) GROUP BY 1"
        ).rows {
            let name = row["part"]!.split(separator: ".").last.map(String.init)!
            counts[name] = Int(row["n"]!)!
        }
        return counts
    }

    /// How many of partmand's advisory locks on `tables` any session holds.
    func partmandAdvisoryLocksHeld(on tables: [String]) throws -> Int {
        try tables.reduce(0) { total, table in
            let row = try schema.run(
                "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid"
                    + " AND objid = to_regclass($2)::oid",
                [.text(String(0x7061_7274)), .text(schema.qualified(table))]
            ).rows[0]
            return total + Int(row["n"]!)!
        }
    }
}

/// Parses an ISO-8601 instant; a malformed literal is a bug in the test.
func instant(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

/// `FROM <lower> TO <upper>` for a monthly UTC partition starting at year-month.
func monthBounds(_ year: Int, _ month: Int) -> String {
    let next = month == 12 ? (year + 1, 1) : (year, month + 1)
    return String(format: "FROM %04d-%02d-01 00:00:00+00 TO %04d-%02d-01 00:00:00+00", year, month, next.0, next.1)
}
