import Foundation
import Logging
import PartmandCore
import PartmandPostgres
import Synchronization

/// Runs work on one connection in transactions with local `lock_timeout` and `statement_timeout`,
/// retrying lock timeouts and deadlocks with backoff. Shared by the native executor, the pg_partman driver
/// and the migration (PartmandMigration).
public struct TransactionRunner {
    let connection: PostgresConnection
    let settings: MaintenanceSettings
    let stop: StopSignal
    let logger: Logger
    /// Decides which failures are retried; the policy's SQLSTATE rule by default.
    var isRetryable: (PostgresError) -> Bool
    /// True when the session's own `lock_timeout` and `statement_timeout` already are the configured
    /// ones (`TableLock.acquire` set them): transactions then skip setting them, saving a round trip.
    var sessionTimeouts = false
    /// Counts the retries this runner makes, for the table's report.
    var tally: RetryTally?
    /// On a Citus coordinator: each transaction sets its timeouts with `SET LOCAL` under
    /// `citus.propagate_set_commands = 'local'`, so that they also bound the waits of the statements Citus
    /// sends to the workers (Citus propagates neither session settings nor `set_config`), and
    /// `citus.multi_shard_modify_mode = 'sequential'`: inside a transaction block Citus otherwise opens
    /// one worker connection per shard (32 for a new partition, each with its own two-phase commit),
    /// which made creation 4.85× slower than Citus's create_time_partitions (benchmarks/citus.sh).
    var propagatesToWorkers = false

    /// A runner on `connection`: timeouts and retries from `settings`; `stop` ends the backoff pauses early.
    public init(
        connection: PostgresConnection, settings: MaintenanceSettings, stop: StopSignal, logger: Logger,
        isRetryable: ((PostgresError) -> Bool)? = nil
    ) {
        self.connection = connection
        self.settings = settings
        self.stop = stop
        self.logger = logger
        let policy = RetryPolicy(settings)
        self.isRetryable = isRetryable ?? { policy.isRetryable($0) }
    }

    private var policy: RetryPolicy { RetryPolicy(settings) }

    /// Runs `body` in a transaction with local timeouts (`lockTimeout`, else the configured one),
    /// retrying lock timeouts and deadlocks.
    public func inTransaction<T>(_ purpose: String, lockTimeout: Duration? = nil, _ body: () throws -> T) throws -> T {
        try withRetries(purpose) {
            do {
                try connection.execute("BEGIN", purpose: purpose)
                if propagatesToWorkers {
                    try setPropagatedTimeouts(lock: lockTimeout ?? settings.lockTimeout, purpose: purpose)
                } else if !sessionTimeouts || (lockTimeout != nil && lockTimeout != settings.lockTimeout) {
                    try setTimeouts(
                        lock: (lockTimeout ?? settings.lockTimeout).settingText,
                        statement: settings.statementTimeout.settingText, local: true,
                        purpose: "set timeouts for \(purpose)")
                }
                let value = try body()
                try connection.execute("COMMIT", purpose: purpose)
                return value
            } catch {
                rollback()
                throw error
            }
        }
    }

    /// Runs `body` outside a transaction block (for statements that may not run in one), with
    /// session-level timeouts, retrying lock timeouts and deadlocks. The session's own timeouts are put
    /// back afterwards (not `RESET`: they may be the ones the connection was opened with).
    func outsideTransaction<T>(_ purpose: String, lockTimeout: Duration, _ body: () throws -> T) throws -> T {
        try withRetries(purpose) {
            // The session's values are read (a materialized CTE, evaluated first) before they are changed.
            let previous = try connection.query(
                """
                WITH previous AS MATERIALIZED (
                    SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st)
                SELECT p.lt, p.st, set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)
                FROM previous AS p
                """,
                [.text(lockTimeout.settingText), .text(settings.statementTimeout.settingText)],
                purpose: "set timeouts for \(purpose)"
            ).rows[0]
            defer {
                _ = try? setTimeouts(
                    lock: previous["lt"] ?? "0", statement: previous["st"] ?? "0", local: false,
                    purpose: "restore timeouts after \(purpose)")
            }
            return try body()
        }
    }

    /// Sets `lock_timeout` and `statement_timeout` (setting texts such as `1500ms`) for the transaction
    /// (`local`) or the session.
    private func setTimeouts(lock: String, statement: String, local: Bool, purpose: String) throws {
        try connection.query(
            "SELECT set_config('lock_timeout', $1, $3::bool), set_config('statement_timeout', $2, $3::bool)",
            [.text(lock), .text(statement), .text(local ? "true" : "false")], purpose: purpose)
    }

    /// `SET` takes no parameters: the values are whole milliseconds, printed from durations, never text
    /// from outside. Four statements in one round trip (SET statements may share a query string on Citus).
    private func setPropagatedTimeouts(lock: Duration, purpose: String) throws {
        try connection.executeScript(
            "SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL citus.multi_shard_modify_mode = 'sequential';"
                + " SET LOCAL lock_timeout = \(lock.milliseconds);"
                + " SET LOCAL statement_timeout = \(settings.statementTimeout.milliseconds)",
            purpose: "set timeouts for \(purpose) here and on the workers")
    }

    func withRetries<T>(_ purpose: String, _ attemptBody: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try attemptBody()
            } catch {
                attempt += 1
                guard let failure = error as? PostgresError, isRetryable(failure), attempt <= policy.retries,
                    connection.isOpen
                else { throw error }
                tally?.add()
                let delay = policy.delay(beforeRetry: attempt)
                logger.warning(
                    "\(purpose): \(failure.message); retry \(attempt) of \(policy.retries) in \(delay)",
                    metadata: ["sqlstate": "\(failure.sqlState ?? "")"])
                guard stop.sleep(for: delay) else { throw error }
            }
        }
    }

    /// Rolls back an open or failed transaction, if any.
    public func rollback() {
        guard connection.isOpen, connection.transactionStatus != .idle else { return }
        _ = try? connection.execute("ROLLBACK", purpose: "roll back")
    }
}

/// How many times the runners working on one table retried after a lock timeout or deadlock.
final class RetryTally: Sendable {
    private let value = Mutex(0)

    var count: Int { value.withLock { $0 } }

    func add() { value.withLock { $0 += 1 } }
}
