import ArgumentParser
import PartmandEngine
import PartmandPostgres

/// `partmand plan`: what a pass would do, without changing anything.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the actions a maintenance pass would take, without changing anything.",
        discussion: """
            Only reads the catalog (no DDL, no advisory locks; lock_timeout applies). Exit status as for `once`.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var time: NowOption

    @Option(name: .long, help: ArgumentHelp("Only plan this table (repeatable).", valueName: "schema.table"))
    var table: [String] = []

    @Flag(name: .long, help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        try TableCommandContext.with(common, time, tables: table) { context in
            try Self.show(context, json: json)
        }
    }

    /// Plans the context's tables and prints the result; shared with `once --dry-run`.
    static func show(_ context: TableCommandContext, json: Bool) throws {
        let reports = try plan(context)
        print(
            json ? ReportRendering.json(reports, now: context.now) : ReportRendering.text(reports, planned: true))
        if reports.contains(where: { $0.status == .failed }) { throw ExitCode.tableFailed }
    }

    /// The engine's plan; exits 69 when the database cannot be reached, 1 on any other database error.
    static func plan(_ context: TableCommandContext) throws -> [TableReport] {
        do {
            return try context.runtime.engine.plan(context.specs, now: context.now)
        } catch let error as PostgresError where !error.isConnectionProblem {
            printError("error: \(error)")
            throw ExitCode.tableFailed
        } catch {
            printError("database unreachable: \(error)")
            throw ExitCode.unavailable
        }
    }
}
