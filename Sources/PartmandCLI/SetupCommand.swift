import ArgumentParser
import Logging
import PartmandEngine
import PartmandRuntime

/// `partmand setup`: registers `engine: pg_partman` tables with pg_partman, creates native parents and the run
/// history table.
struct SetupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Register engine: pg_partman tables with pg_partman; create native parents from create: files.",
        discussion: """
            Creates the pg_partman extension when pg_partman.create_extension is true, calls create_parent with \
            the installed version's signature, then sets premake, retention, retention_keep_table and \
            infinite_time_partitions. With history: configured, creates the run history table and its partitions. \
            When a table has columnar_after, creates Citus's citus_columnar extension (on a Citus coordinator). \
            Idempotent: a second run changes nothing. A set registered with other \
            settings is only updated with --update, after showing the difference.

            Exit status: 0 done (or nothing to do), 1 some table could not be set up, 69 database unreachable, \
            78 bad configuration.
            """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: ArgumentHelp("Only set up this table (repeatable).", valueName: "schema.table"))
    var table: [String] = []

    @Flag(name: .long, help: "Show what would be done without changing anything.")
    var dryRun = false

    @Flag(name: .long, help: "Update pg_partman settings of sets registered with other settings.")
    var update = false

    func run() throws {
        let config = try common.start()
        let specs = try config.tables(named: table)
        let runtime = Runtime(config, logger: Logger(label: "partmand"))
        defer { runtime.pool.close() }
        // The run history table (history:), when selected: created with partmand's own definition.
        let historySpec = config.history.flatMap { history in specs.first { $0.parent == history.table } }
        var steps: [PartmanSetup.Step]
        do {
            steps = try runtime.pool.withConnection { connection in
                try ColumnarSetup.run(specs, dryRun: dryRun, on: connection)
                    + PartmanSetup(connection: connection, options: config.partman, dryRun: dryRun, update: update)
                    .run(specs.filter { $0.parent != historySpec?.parent })
            }
            if let historySpec {
                steps =
                    try HistorySetup.run(historySpec, dryRun: dryRun, pool: runtime.pool, engine: runtime.engine)
                    + steps
            }
        } catch {
            printError("setup failed: \(error)")
            throw ExitCode.unavailable
        }
        for step in steps { print(step.failed ? "error: \(step)" : "\(step)") }
        if !steps.contains(where: \.changed) && !steps.contains(where: \.failed) { print("nothing to change") }
        if steps.contains(where: \.failed) { throw ExitCode.tableFailed }
    }
}
