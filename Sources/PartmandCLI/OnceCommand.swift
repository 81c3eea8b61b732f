import ArgumentParser
import PartmandEngine
import PartmandRuntime

/// `partmand once`: one maintenance pass, then exit.
struct OnceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "once",
        abstract: "Run one maintenance pass and exit.",
        discussion: """
            Creates future partitions, retires old ones and moves stranded default-partition rows for every \
            enabled table in the configuration (or only those given with --table).

            Only the server's clock retires partitions. With --now (or PARTMAND_NOW) more than five minutes \
            from the server's clock, the pass creates partitions for that instant as usual but refuses to \
            drop, detach or archive anything, and each table that had something to retire fails (exit 1), \
            unless --allow-retire-at-now is given.

            Exit status: 0 all tables fine (or skipped), 1 some table failed (or a retirement was refused), \
            69 database unreachable, 78 bad configuration.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var time: NowOption

    @Option(name: .long, help: ArgumentHelp("Only maintain this table (repeatable).", valueName: "schema.table"))
    var table: [String] = []

    @Flag(name: .long, help: "Show what would be done without changing anything.")
    var dryRun = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Retire partitions at the --now instant even when it is far from the server's clock.",
            discussion: "Retired partitions are dropped with their rows: use it only to replay a known date."))
    var allowRetireAtNow = false

    func run() throws {
        try TableCommandContext.with(common, time, tables: table) { context in
            if dryRun {
                try PlanCommand.show(context, json: false)
            } else {
                try Self.pass(context, allowRetireAtNow: allowRetireAtNow)
            }
        }
    }

    private static func pass(_ context: TableCommandContext, allowRetireAtNow: Bool) throws {
        let clock: PassClock = context.nowFromClock ? .system : .given(retireAnyway: allowRetireAtNow)
        let report = context.runtime.runPass(context.specs, now: context.now, clock: clock, trigger: .once)
        if let unreachable = report.unreachable {
            printError("database unreachable: \(unreachable.message)")
            throw ExitCode.unavailable
        }
        if report.standby { print("server is a standby (in recovery): nothing to do") }
        if report.citusWorker { print(PlanCommand.citusWorkerNote) }
        print(ReportRendering.text(report.tables, planned: false))
        if report.tables.contains(where: { !$0.refusedRetirements.isEmpty }) {
            printError(
                "retiring refused: --now/PARTMAND_NOW is far from the server's clock; partitions were created, "
                    + "nothing was retired (--allow-retire-at-now overrides)")
        }
        if !report.succeeded { throw ExitCode.tableFailed }
    }
}
