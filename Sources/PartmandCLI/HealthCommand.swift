import ArgumentParser
import Foundation
import PartmandConfig
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// `partmand health`: a read-only check of the tables for monitoring.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that inserts land in real partitions and that nothing is overdue, for monitoring.",
        discussion: """
            Only reads the catalog (no DDL, no advisory locks; lock_timeout applies) and prints one line per table, worst first: CRITICAL when \
            no partition holds now or the table is missing or not partitioned as configured; UNKNOWN when the \
            table could not be checked (its default partition locked or not readable for the role); WARNING \
            when fewer partitions lie ahead than premake, retention is overdue or the default partition holds \
            rows; OK otherwise. It checks the tables, not a running partmand process.

            Exit status (Nagios convention): 0 all tables OK, 1 some WARNING, 2 some CRITICAL, 3 some UNKNOWN \
            and no CRITICAL, or nothing checked: database unreachable or bad configuration (one UNKNOWN line); \
            64 bad command line.
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var time: NowOption

    @Option(name: .long, help: ArgumentHelp("Only check this table (repeatable).", valueName: "schema.table"))
    var table: [String] = []

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() throws {
        // A configuration that cannot be read means nothing could be checked: UNKNOWN (3), not 78 as for
        // the other commands. Loaded here first only to tell; the context loads it again.
        do {
            _ = try ConfigLoader.load(path: common.configPath, environment: common.environment)
        } catch {
            let now = (try? time.resolve(environment: common.environment))?.date ?? Date()
            throw Self.unknown("configuration error: \(error)", json: json, now: now)
        }
        try TableCommandContext.with(common, time, tables: table) { context in
            try Self.check(context, json: json)
        }
    }

    private static func check(_ context: TableCommandContext, json: Bool) throws {
        let plan: PlanReport
        do {
            plan = try context.runtime.engine.plan(context.specs, now: context.now)
        } catch let error as PostgresError where error.isConnectionProblem {
            throw unknown("database unreachable: \(error)", json: json, now: context.now)
        } catch {
            throw unknown("could not check: \(error)", json: json, now: context.now)
        }
        let premake = Dictionary(
            context.specs.map { ($0.parent, $0.premake) }, uniquingKeysWith: { first, _ in first })
        let assessments = HealthAssessment.worstFirst(
            plan.tables.map { report in
                HealthAssessment(
                    report, now: context.now, premake: report.engine == .native ? premake[report.table] : nil,
                    heldLockWarning: context.config.health.heldLockWarning)
            })
        print(
            json
                ? HealthAssessment.json(assessments, now: context.now)
                : HealthAssessment.text(assessments))
        let overall = HealthAssessment.overall(assessments)
        if overall != .ok { throw ExitCode(overall.exitCode) }
    }

    /// Nothing could be checked: prints `UNKNOWN: <message>` (the Nagios plugin output, on stdout; one
    /// line, as libpq's messages may span several) or the JSON equivalent, and returns exit status 3.
    private static func unknown(_ message: String, json: Bool, now: Date) -> ExitCode {
        let message = message.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        print(json ? HealthAssessment.json([], now: now, unknown: message) : "UNKNOWN: \(message)")
        return ExitCode(HealthAssessment.Status.unknown.exitCode)
    }
}
