import ArgumentParser
import PartmandEngine

/// `partmand once`: one maintenance pass, then exit.
struct OnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "Run one maintenance pass and exit.",
        discussion: """
            Creates future partitions, retires old ones and moves stranded default-partition rows for every \
            enabled table in the configuration (or only those given with --table).

            Exit status: 0 all tables fine (or skipped), 1 some table failed, 69 database unreachable, \
            78 bad configuration.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var time: NowOption

    @Option(name: .long, help: ArgumentHelp("Only maintain this table (repeatable).", valueName: "schema.table"))
    var table: [String] = []

    @Flag(name: .long, help: "Show what would be done without changing anything.")
    var dryRun = false

    func run() throws {
        try TableCommandContext.with(common, time, tables: table) { context in
            if dryRun {
                try PlanCommand.show(context, json: false)
            } else {
                try Self.pass(context)
            }
        }
    }

    private static func pass(_ context: TableCommandContext) throws {
        let report = context.runtime.engine.runPass(
            context.specs, now: context.now, checkClock: context.nowFromClock)
        if let unreachable = report.unreachable {
            printError("database unreachable: \(unreachable.message)")
            throw ExitCode.unavailable
        }
        if report.standby { print("server is a standby (in recovery): nothing to do") }
        print(ReportRendering.text(report.tables, planned: false))
        if !report.succeeded { throw ExitCode.tableFailed }
    }
}
