import Foundation
import Logging
import PartmandCore
import PartmandPostgres
import Synchronization

/// Writes one pass's run history: a row per table as soon as the table is done, each an INSERT of its
/// own (its own short transaction) on a connection of the recorder's own, under short lock and
/// statement timeouts. Nothing it does can fail maintenance: a missing table, a refused or failed
/// write is logged (one warning per pass) and the pass goes on.
///
/// `record` may be called from several threads at once: writes are serialised on the connection.
public final class HistoryRecorder: Sendable {
    /// Whether the recorder can write this pass.
    public enum Availability: Sendable, Equatable {
        /// The table exists and the connection is open.
        case recording
        /// The table does not exist (not set up yet, or dropped): nothing is recorded this pass.
        case tableMissing
        /// The connection or the lookup failed: nothing is recorded this pass.
        case unavailable
    }

    /// The limits of the recorder's statements.
    public struct Timeouts: Sendable {
        public var lock: Duration
        public var statement: Duration

        public init(lock: Duration = .seconds(1), statement: Duration = .seconds(5)) {
            self.lock = lock
            self.statement = statement
        }
    }

    private struct State: Sendable {
        var connection: PostgresConnection?
        var written = 0
        var failed = 0
    }

    /// The history table.
    public let table: QualifiedName
    /// What the recorder found when it started.
    public let availability: Availability
    private let runID: String
    private let trigger: PassTrigger
    private let logger: Logger
    private let state: Mutex<State>

    /// Connects with `options` and the writer's own timeouts and looks the table up; warns once when it cannot
    /// record (the table is missing, the database refuses).
    public init(
        table: QualifiedName, options: ConnectionOptions, runID: String, trigger: PassTrigger,
        timeouts: Timeouts = Timeouts(), logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "run_id"] = "\(runID)"
        logger[metadataKey: "history_table"] = "\(table)"
        self.table = table
        self.runID = runID
        self.trigger = trigger
        self.logger = logger
        var connection: PostgresConnection?
        var availability = Availability.unavailable
        do {
            let opened = try PostgresConnection.connect(
                options.withSessionTimeouts(lock: timeouts.lock, statement: timeouts.statement), logger: logger)
            connection = opened
            if try HistoryTableDDL.exists(table, on: opened) {
                availability = .recording
            } else {
                availability = .tableMissing
                logger.warning(
                    "history table \(table) does not exist: this pass is not recorded (partmand setup creates it)")
            }
        } catch {
            logger.warning("cannot record this pass in the history table: \(error)")
        }
        if availability != .recording {
            connection?.close()
            connection = nil
        }
        self.availability = availability
        state = Mutex(State(connection: connection))
    }

    /// Writes `report`'s row, which finished now; never throws, never fails the table.
    public func record(_ report: TableReport) {
        let row = HistoryRow(report, runID: runID, trigger: trigger, finishedAt: Date())
        state.withLock { state in
            guard let connection = state.connection else { return }
            do throws(PostgresError) {
                try connection.query(Self.insert(into: table), row.parameters, purpose: "record \(row.table)")
                state.written += 1
            } catch {
                state.failed += 1
                var logger = self.logger
                logger[metadataKey: "table"] = "\(row.table)"
                logger[metadataKey: "sqlstate"] = "\(error.sqlState ?? "")"
                if state.failed == 1 {
                    logger.warning(
                        "cannot write the history row; maintenance goes on (later failures this pass: debug level): \(error)"
                    )
                } else {
                    logger.debug("cannot write the history row: \(error)")
                }
                if error.isConnectionProblem {
                    // A broken connection is not reopened in the middle of a pass: that could hold up maintenance.
                    connection.close()
                    state.connection = nil
                }
            }
        }
    }

    /// Rows written and rows that could not be, so far.
    public var counts: (written: Int, failed: Int) {
        state.withLock { ($0.written, $0.failed) }
    }

    /// Closes the connection; later `record` calls write nothing.
    public func finish() {
        let (written, failed) = state.withLock { state in
            state.connection?.close()
            state.connection = nil
            return (state.written, state.failed)
        }
        if written + failed > 0 { logger.debug("history recorded", metadata: ["rows": "\(written)"]) }
        if failed > 1 { logger.notice("\(failed) history rows of this pass could not be written") }
    }

    /// The INSERT statement: the table through the quoting helper, every value a parameter.
    static func insert(into table: QualifiedName) -> String {
        let columns = HistoryRow.columns.map(SQL.identifier).joined(separator: ", ")
        let placeholders = (1...HistoryRow.columns.count).map { "$\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(table.sql) (\(columns)) VALUES (\(placeholders))"
    }

    deinit {
        state.withLock { $0.connection?.close() }
    }
}
