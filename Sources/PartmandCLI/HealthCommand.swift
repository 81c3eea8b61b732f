import ArgumentParser
import PartmandEngine

/// `partmand health`: a read-only check of the tables for monitoring.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that inserts land in real partitions and that nothing is overdue, for monitoring.",
        discussion: """
            Only reads the catalog (no DDL, no advisory locks; lock_timeout applies) and prints one line per table, worst first: CRITICAL when \
            no partition holds now or the table cannot be read; WARNING when fewer partitions lie ahead than \
            premake, retention is overdue or the default partition holds rows; OK otherwise. It checks the \
            tables, not a running partmand process.

            Exit status (Nagios convention): 0 all tables OK, 1 some WARNING, 2 some CRITICAL; \
            69 database unreachable, 78 bad configuration, 64 bad command line.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var time: NowOption

    @Option(name: .long, help: ArgumentHelp("Only check this table (repeatable).", valueName: "schema.table"))
    var table: [String] = []

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        try TableCommandContext.with(common, time, tables: table) { context in
            try Self.check(context, json: json)
        }
    }

    private static func check(_ context: TableCommandContext, json: Bool) throws {
        let reports = try PlanCommand.plan(context)
        let premake = Dictionary(
            context.specs.map { ($0.parent, $0.premake) }, uniquingKeysWith: { first, _ in first })
        let assessments = HealthAssessment.worstFirst(
            reports.map { report in
                HealthAssessment(
                    report, now: context.now, premake: report.engine == .native ? premake[report.table] : nil)
            })
        print(
            json
                ? HealthAssessment.json(assessments, now: context.now)
                : HealthAssessment.text(assessments))
        let overall = HealthAssessment.overall(assessments)
        if overall != .ok { throw ExitCode(overall.exitCode) }
    }
}
