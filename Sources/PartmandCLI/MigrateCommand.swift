import ArgumentParser
import Logging
import PartmandCore
import PartmandEngine
import PartmandMigration

/// `partmand migrate`: turns a configured plain table into a range-partitioned table of the same name.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Convert a configured plain table into a range-partitioned table, online, without copying rows.",
        discussion: """
            The table becomes the partition FROM (MINVALUE) TO (the start of the next period) of a new \
            partitioned table of the same name; partitions after it are made as a pass would make them. Only \
            short ACCESS EXCLUSIVE locks are taken, under exclusive_lock_timeout, with retries. Checks run \
            first and refuse, changing nothing, what cannot be migrated safely (see docs/migrate.md).

            A dry run also surveys the table (row estimate, size, indexes, constraints, dependents, the \
            partitions to be made); a real run ends by counting the rows in the old and the new table and in each \
            partition (a scan, under ACCESS SHARE only) and checking the indexes and sequences.

            Exit status: 0 migrated and verified (or already partitioned, or --dry-run found nothing in the way), 1 refused \
            or failed, 69 database unreachable, 78 bad configuration, 64 bad usage.
            """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: ArgumentHelp("The configured table to migrate.", valueName: "schema.table"))
    var table: String

    @Flag(name: .long, help: "Run the checks, survey the table and print the steps without changing anything.")
    var dryRun = false

    @Flag(name: .long, help: "Print the report as JSON (keys in docs/migrate.md).")
    var json = false

    @Flag(
        name: .long,
        help: """
            Turn a table migrate converted back into a plain table of the same name, without copying rows: \
            only while every row is still in the history partition.
            """)
    var undo = false

    func run() throws {
        try TableCommandContext.with(common, try NowOption.parse([]), tables: [table]) { context in
            let spec = context.specs[0]
            guard spec.engine == .native else {
                printError("error: \(spec.parent) has engine: pg_partman; migrate converts native tables only")
                throw ExitCode.tableFailed
            }
            if undo {
                let report = MigrationUndo(
                    pool: context.runtime.pool, settings: context.config.maintenance, logger: Logger(label: "partmand")
                ).run(spec.parent, dryRun: dryRun)
                print(Self.render(report, dryRun: dryRun))
                if let error = report.error, error.isConnectionProblem {
                    printError("database unreachable: \(error.message)")
                    throw ExitCode.unavailable
                }
                if !report.succeeded { throw ExitCode.tableFailed }
                return
            }
            let migration = TableMigration(
                pool: context.runtime.pool, settings: context.config.maintenance, engine: context.runtime.engine,
                logger: Logger(label: "partmand"))
            let report = migration.run(spec, dryRun: dryRun)
            print(
                json
                    ? try MigrationReportDocument(report, dryRun: dryRun).encoded()
                    : Self.render(report, dryRun: dryRun))
            if let error = report.error, error.isConnectionProblem {
                printError("database unreachable: \(error.message)")
                throw ExitCode.unavailable
            }
            if !report.succeeded { throw ExitCode.tableFailed }
        }
    }

    static func render(_ report: MigrationReport, dryRun: Bool) -> String {
        let table = report.table
        var lines: [String] = []
        switch report.outcome {
        case .alreadyPartitioned:
            return "\(table): already partitioned; nothing to do"
        case .migrated: lines.append("\(table): migrated")
        case .wouldMigrate: lines.append("\(table): would migrate (dry run, nothing changed)")
        case .refused: lines.append("\(table): refused, nothing changed")
        case .failed: lines.append("\(table): FAILED")
        }
        if let cutoff = report.cutoff {
            lines.append("  history partition: FROM (MINVALUE) TO (\(ISO8601.string(cutoff)))")
        }
        let shown = dryRun || report.outcome == .refused ? report.checks : report.checks.filter { !$0.passed }
        lines += shown.map { "  \($0)" }
        if dryRun || report.outcome == .refused, let survey = report.survey {
            lines += survey.lines.map { "  survey: \($0)" }
        }
        lines += report.steps.enumerated().map { "  \(dryRun ? "step" : "done") \($0.offset + 1): \($0.element)" }
        if let verification = report.verification {
            lines.append("  verification: \(verification.passed ? "passed" : "FAILED")")
            lines += verification.lines.map { "  verified \($0)" }
        }
        if let error = report.verificationError { lines.append("  verification could not be read: \(error)") }
        if let error = report.error {
            lines.append("  error: \(error.message)" + (error.sqlState.map { " [\($0)]" } ?? ""))
        }
        lines += report.leftovers.map { "  left behind: \($0)" }
        return lines.joined(separator: "\n")
    }

    static func render(_ report: MigrationUndoReport, dryRun: Bool) -> String {
        let table = report.table
        var lines: [String] = []
        switch report.outcome {
        case .alreadyPlain: return "\(table): a plain table; nothing to undo"
        case .undone: lines.append("\(table): undone, a plain table again")
        case .wouldUndo: lines.append("\(table): would undo (dry run, nothing changed)")
        case .refused: lines.append("\(table): undo refused, nothing changed")
        case .failed: lines.append("\(table): undo FAILED, rolled back")
        }
        let shown = dryRun || report.outcome == .refused ? report.checks : report.checks.filter { !$0.passed }
        lines += shown.map { "  \($0)" }
        lines += report.steps.enumerated().map { "  \(dryRun ? "step" : "done") \($0.offset + 1): \($0.element)" }
        if let error = report.error {
            lines.append("  error: \(error.message)" + (error.sqlState.map { " [\($0)]" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
