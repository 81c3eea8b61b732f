import ArgumentParser
import PartmandEngine
import PartmandPostgres

/// `partmand plan`: what a pass would do, without changing anything.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the actions a maintenance pass would take, without changing anything.",
        discussion: """
            Only reads the catalog (no DDL, no advisory locks; lock_timeout applies). A table that cannot be read \
            (a lock timeout, a missing privilege) fails on its own; the others are still planned. On a standby, \
            says so first. Exit status as for `once`.
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
        let plan = try plan(context)
        if json {
            print(
                ReportRendering.json(
                    plan.tables, now: context.now, standby: plan.standby, citusWorker: plan.citusWorker))
        } else {
            if plan.standby { print(standbyNote) }
            if plan.citusWorker { print(citusWorkerNote) }
            print(ReportRendering.text(plan.tables, planned: true))
        }
        if plan.failed { throw ExitCode.tableFailed }
    }

    /// The line `plan` starts with on a standby.
    static let standbyNote =
        "server is a standby (in recovery): a pass here would do nothing; run partmand against the primary"
        + " (the plan below is read from this standby's copy of the catalog)"

    /// The line `plan` and `once` start with on a Citus worker node.
    static let citusWorkerNote =
        "server is a Citus worker node: partmand does nothing here; run it against the coordinator"

    /// The engine's plan (a table that cannot be read fails on its own); exits 69 when the database
    /// cannot be reached, 1 on any other database error.
    static func plan(_ context: TableCommandContext) throws -> PlanReport {
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
