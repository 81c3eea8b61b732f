import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// The outcome of `partmand migrate` for one table.
public struct MigrationReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The table is now range-partitioned.
        case migrated
        /// Nothing to do: the table was range-partitioned already.
        case alreadyPartitioned
        /// Dry run: every check passed; `steps` is what would be done.
        case wouldMigrate
        /// A check failed; nothing was changed.
        case refused
        /// A step failed; see `error` and `leftovers`.
        case failed
    }

    public var table: QualifiedName
    public var outcome: Outcome
    /// The history partition's upper bound.
    public var cutoff: Date?
    public var checks: [MigrationCheckResult] = []
    /// The steps done (or, in a dry run, to be done).
    public var steps: [String] = []
    public var error: TableError?
    /// Objects an interrupted migration left behind (cleaned up by the next run).
    public var leftovers: [String] = []
    /// The maintenance pass run after the swap.
    public var pass: TableReport?
    /// Before: the table, its dependents and what will be made (read for a plain table, also when refused).
    public var survey: MigrationSurvey?
    /// After the swap: rows counted in old and new, per partition, indexes, sequences.
    public var verification: MigrationVerification?
    /// Why the verification could not be read, when it could not.
    public var verificationError: String?

    public init(table: QualifiedName, outcome: Outcome) {
        self.table = table
        self.outcome = outcome
    }

    /// Migrated (and verified), already partitioned, or a dry run with nothing in the way.
    public var succeeded: Bool {
        switch outcome {
        case .migrated: verification?.passed == true
        case .alreadyPartitioned, .wouldMigrate: true
        case .refused, .failed: false
        }
    }
}

/// Turns a plain table into a range-partitioned one of the same name, online and without copying rows:
/// the old table becomes the partition `FROM (MINVALUE) TO (cutoff)`, where cutoff is the start of the
/// slot after the one holding now. See docs/migrate.md.
public final class TableMigration {
    private let pool: ConnectionPool
    private let settings: MaintenanceSettings
    private let engine: MaintenanceEngine
    private let stop: StopSignal
    private let logger: Logger
    /// Called after the preparation, right before the swap (tests use it to hold a lock).
    public var beforeSwap: (() throws -> Void)?

    static let boundsConstraint = "partmand_migrate_bounds"

    public init(
        pool: ConnectionPool, settings: MaintenanceSettings, engine: MaintenanceEngine,
        stopSignal: StopSignal = StopSignal(), logger: Logger
    ) {
        self.pool = pool
        self.settings = settings
        self.engine = engine
        self.stop = stopSignal
        self.logger = logger
    }

    /// Migrates `spec.parent` (or, with `dryRun`, only checks and describes). `now` defaults to the
    /// server's clock.
    public func run(_ spec: TableSpec, dryRun: Bool, now: Date? = nil) -> MigrationReport {
        var report = MigrationReport(table: spec.parent, outcome: .failed)
        var logger = self.logger
        logger[metadataKey: "table"] = "\(spec.parent)"
        var instant = now ?? Date()
        do {
            let done = try pool.withConnection { connection -> MigrationSteps? in
                let runner = TransactionRunner(connection: connection, settings: settings, stop: stop, logger: logger)
                if now == nil {
                    instant = try connection.query(
                        "SELECT extract(epoch FROM clock_timestamp())::text AS now", purpose: "read the server clock"
                    ).rows[0].double("now").date
                }
                let inspection = try runner.inTransaction("check \(spec.parent)") {
                    try MigrationInspection.read(spec, now: instant, on: connection)
                }
                let verdict = inspection.verdict
                report.checks = verdict.checks
                if verdict.alreadyPartitioned {
                    report.outcome = .alreadyPartitioned
                    return nil
                }
                report.cutoff = verdict.layout?.cutoff
                if let layout = verdict.layout {
                    report.survey = try runner.inTransaction("survey \(spec.parent)") {
                        try MigrationSurveyReader.survey(inspection, layout: layout, on: connection)
                    }
                }
                guard let layout = verdict.layout, !verdict.refused else {
                    report.outcome = .refused
                    return nil
                }
                let steps = MigrationSteps(spec: spec, layout: layout, inspection: inspection)
                if dryRun {
                    report.steps = steps.descriptions
                    report.outcome = .wouldMigrate
                    return nil
                }
                try migrate(steps, on: connection, runner: runner, report: &report, logger: logger)
                return steps
            }
            if let steps = done {
                let pass = engine.runPass([spec], now: instant, clock: .given(retireAnyway: false))
                report.pass = pass.tables.first
                report.steps.append("maintenance pass: \(pass.tables.first?.summary ?? "no report")")
                verify(steps, report: &report, logger: logger)
            }
        } catch let error as MigrationRefusal {
            report.outcome = .refused
            report.checks.append(.init(name: "advisory lock", refusal: error.message))
        } catch {
            report.outcome = .failed
            report.error = TableError(table: spec.parent, error)
            logger.error("migration failed: \(report.error!.message)")
        }
        return report
    }

    /// Counts and checks the migrated table (a scan of it, under ACCESS SHARE only) and logs the outcome.
    private func verify(_ steps: MigrationSteps, report: inout MigrationReport, logger: Logger) {
        do {
            let verification = try pool.withConnection { connection in
                try MigrationSurveyReader.verify(steps, on: connection)
            }
            report.verification = verification
            for check in verification.checks where !check.passed { logger.error("verification: \(check)") }
        } catch {
            report.verificationError = "\(error)"
            logger.error("verification failed: \(error)")
        }
    }

    /// Takes the advisory lock, prepares (CHECK, validate, new parent and its partitions), swaps;
    /// on failure before the swap, removes what it made (best effort) and reports what is left.
    private func migrate(
        _ steps: MigrationSteps, on connection: PostgresConnection, runner: TransactionRunner,
        report: inout MigrationReport, logger: Logger
    ) throws {
        guard let lock = try TableLock.tryAcquire(parent: steps.details.oid, on: connection) else {
            throw MigrationRefusal(message: "another partmand is working on \(steps.table)")
        }
        defer { lock.release(on: connection) }
        /// Reports `step` done (with `detail`), and logs it unless `logged` is false.
        func finished(_ step: MigrationStep, detail: String = "", logged: Bool = true) {
            report.steps.append(steps.description(of: step) + detail)
            if logged { logger.info("\(steps.description(of: step))") }
        }
        do {
            try steps.addConstraint(connection, runner, settings)
            finished(.addConstraint)
            try steps.validateConstraint(connection, runner)
            finished(.validateConstraint)
            let identityMaxima = try steps.scanIdentityMaxima(connection, runner)
            // One transaction makes the parent and its partitions.
            try steps.createParentAndPartitions(connection, runner)
            finished(.createParent)
            finished(.createPartitions, logged: false)
            try beforeSwap?()
            let attached = try steps.swap(connection, runner, settings, identityMaxima: identityMaxima)
            finished(.swap, detail: " (\(attached) existing indexes attached, none built)")
            report.outcome = .migrated
        } catch {
            report.leftovers = steps.cleanUp(connection, runner, settings, logger: logger)
            throw error
        }
    }
}

/// A reason not to go on that was found after the checks (another partmand holds the table, or the
/// swap found something unexpected and rolled back): the migration is refused.
struct MigrationRefusal: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension Double {
    fileprivate var date: Date { Date(timeIntervalSince1970: self) }
}
