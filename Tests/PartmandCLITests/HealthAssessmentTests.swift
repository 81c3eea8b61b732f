import Foundation
import PartmandCore
import PartmandEngine
import Testing

@testable import PartmandCLI

private let table = QualifiedName(schema: "public", name: "webhook_events")
private let now = date("2026-11-26T10:00:00Z")

private func date(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

/// A planned create of `[from, to)`.
private func create(_ from: String, _ to: String) -> MaintenanceAction {
    .createPartition(
        NewPartition(
            name: QualifiedName(schema: "public", name: "webhook_events_p" + from.prefix(10).filter(\.isNumber)),
            range: PartitionRange(from: date(from), to: date(to))))
}

private func retire(_ from: String, _ to: String) -> MaintenanceAction {
    .retirePartition(
        RetiredPartition(
            name: QualifiedName(schema: "public", name: "webhook_events_p" + from.prefix(10).filter(\.isNumber)),
            range: PartitionRange(from: date(from), to: date(to)), action: .drop, finishPendingDetach: false))
}

private func report(
    _ planned: [MaintenanceAction] = [], findings: [Finding] = [], defaultRows: DefaultRows? = nil,
    engine: EngineKind = .native
) -> TableReport {
    var report = TableReport(table: table, status: .ok)
    report.planned = planned
    report.findings = findings
    report.defaultRowsLeft = defaultRows
    report.engine = engine
    return report
}

@Suite("health classification")
struct HealthAssessmentTests {
    @Test("a table lock held longer than held_lock_warning is a WARNING naming the holder")
    func heldLock() {
        var locked = report()
        locked.lockHolder = LockHolder(
            pid: 4242, applicationName: "partmand: table lock since 2026-11-26T07:00:00Z", state: "active",
            client: nil, query: "ALTER TABLE …", since: date("2026-11-26T07:00:00Z"), heldFor: 3 * 3600)

        let health = HealthAssessment(locked, now: now, premake: 4, heldLockWarning: .seconds(3600))
        #expect(health.status == .warning)
        #expect(health.problems.first?.contains("locked for longer than 60 min") == true, "\(health.problems)")
        #expect(health.problems.first?.contains("pid 4242") == true)
        #expect(HealthAssessment(locked, now: now, premake: 4, heldLockWarning: .seconds(4 * 3600)).status == .ok)
    }

    @Test("nothing planned is OK, with the partitions ahead")
    func ok() {
        let health = HealthAssessment(report(), now: now, premake: 4)
        #expect(health.status == .ok)
        #expect(health.problems.isEmpty)
        #expect(health.line == "OK public.webhook_events: 4 partitions ahead")
        #expect(HealthAssessment(report(), now: now, premake: 1).line == "OK public.webhook_events: 1 partition ahead")
    }

    @Test("a missing partition for now is CRITICAL, and the rest of the plan is reported too")
    func noPartitionForNow() {
        let health = HealthAssessment(
            report([
                create("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"),
                create("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"),
                create("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"),
                create("2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"),
                create("2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z"),
                .createDefaultPartition(QualifiedName(schema: "public", name: "webhook_events_default")),
            ]), now: now, premake: 4)
        #expect(health.status == .critical)
        #expect(
            health.line
                == "CRITICAL public.webhook_events: no partition for now (2026-11-26T10:00:00Z);"
                + " 4 of 4 partitions ahead missing; no default partition")
    }

    @Test("bounds: a create starting exactly at now holds now; one ending exactly at now is a gap")
    func bounds() {
        let at = date("2026-12-01T00:00:00Z")
        let starting = HealthAssessment(
            report([create("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]), now: at, premake: 4)
        #expect(starting.status == .critical)
        #expect(starting.problems == ["no partition for now (2026-12-01T00:00:00Z)"])

        let ending = HealthAssessment(
            report([create("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")]), now: at, premake: 4)
        #expect(ending.status == .warning)
        #expect(ending.problems == ["1 partition missing before now (gaps)"])
    }

    @Test("partitions ahead missing are a WARNING counted against premake")
    func aheadMissing() {
        let health = HealthAssessment(
            report([
                create("2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"),
                create("2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z"),
            ]), now: now, premake: 4)
        #expect(health.status == .warning)
        #expect(health.line == "WARNING public.webhook_events: 2 of 4 partitions ahead missing")
    }

    @Test("rows in the default partition are a WARNING with count, oldest and newest")
    func defaultRows() {
        let rows = DefaultRows(
            count: 3, oldest: date("2030-01-01T00:00:00Z"), newest: date("2031-05-01T12:00:00Z"))
        let health = HealthAssessment(
            report([create("2027-03-01T00:00:00Z", "2027-04-01T00:00:00Z")], defaultRows: rows), now: now,
            premake: 4)
        #expect(
            health.line
                == "WARNING public.webhook_events: 1 of 4 partitions ahead missing;"
                + " 3 rows in default (oldest 2030-01-01T00:00:00Z, newest 2031-05-01T12:00:00Z)")

        let one = HealthAssessment(
            report(defaultRows: DefaultRows(count: 1, oldest: nil, newest: nil)), now: now, premake: 4)
        #expect(one.problems == ["1 row in default"])

        let empty = HealthAssessment(
            report(defaultRows: DefaultRows(count: 0, oldest: nil, newest: nil)), now: now, premake: 4)
        #expect(empty.status == .ok)
    }

    @Test("partitions past retention are a WARNING")
    func retentionOverdue() {
        let health = HealthAssessment(
            report([
                retire("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
                retire("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"),
            ]), now: now, premake: 4)
        #expect(health.status == .warning)
        #expect(health.problems == ["retention overdue: 2 partitions to retire"])
    }

    @Test("a table that could not be read is CRITICAL with the error")
    func failed() {
        var failed = TableReport(table: table, status: .failed)
        failed.errors = [
            TableError(table: table, message: "table does not exist"),
            TableError(table: table, message: "permission denied for table webhook_events", sqlState: "42501"),
        ]
        let health = HealthAssessment(failed, now: now, premake: 4)
        #expect(health.status == .critical)
        #expect(
            health.problems == [
                "table does not exist", "permission denied for table webhook_events (SQLSTATE 42501)",
            ])

        let silent = HealthAssessment(TableReport(table: table, status: .failed), now: now, premake: 4)
        #expect(silent.status == .critical)
        #expect(silent.problems == ["the table could not be checked"])
    }

    @Test("a database error while reading is UNKNOWN: the table could not be checked")
    func couldNotCheck() {
        var failed = TableReport(table: table, status: .failed)
        failed.errors = [
            TableError(
                table: table,
                message: "count rows in default partition public.webhook_events_default: canceling statement due to"
                    + " lock timeout (SQLSTATE 55P03)", sqlState: "55P03", isDatabaseError: true)
        ]
        let health = HealthAssessment(failed, now: now, premake: 4)
        #expect(health.status == .unknown)
        #expect(
            health.line
                == "UNKNOWN public.webhook_events: could not check: count rows in default partition"
                + " public.webhook_events_default: canceling statement due to lock timeout (SQLSTATE 55P03)")

        failed.errors = [
            TableError(table: table, message: "permission denied", sqlState: "42501", isDatabaseError: true)
        ]
        #expect(
            HealthAssessment(failed, now: now, premake: 4).problems
                == ["could not check: permission denied (SQLSTATE 42501)"])

        // A verdict on the table (no database error) stays CRITICAL, and wins.
        failed.errors.append(TableError(table: table, message: "table does not exist"))
        let both = HealthAssessment(failed, now: now, premake: 4)
        #expect(both.status == .critical)
        #expect(both.problems == ["table does not exist", "could not check: permission denied (SQLSTATE 42501)"])
    }

    @Test("pg_partman sets are judged by their findings")
    func partman() {
        let rows = DefaultRows(count: 2, oldest: nil, newest: date("2031-01-01T00:00:00Z"))
        let health = HealthAssessment(
            report(
                findings: [
                    .premakeShortfall(ahead: 1, premake: 4),
                    .retentionDue(
                        QualifiedName(schema: "public", name: "webhook_events_p20260301"),
                        PartitionRange(from: date("2026-03-01T00:00:00Z"), to: date("2026-04-01T00:00:00Z"))),
                    .defaultRows(rows),
                ], defaultRows: rows, engine: .pgPartman), now: now, premake: nil)
        #expect(health.status == .warning)
        #expect(
            health.problems == [
                "3 of 4 partitions ahead missing", "retention overdue: 1 partition to retire",
                "2 rows in default (newest 2031-01-01T00:00:00Z)",
            ])
        let fine = HealthAssessment(report(engine: .pgPartman), now: now, premake: nil)
        #expect(fine.line == "OK public.webhook_events: partitions ahead cover premake")
    }

    @Test("informational findings are not problems")
    func informational() {
        let health = HealthAssessment(
            report(findings: [
                .timeZoneIgnored(.date),
                .unwantedDefaultPartition(QualifiedName(schema: "public", name: "webhook_events_default")),
            ]), now: now, premake: 4)
        #expect(health.status == .ok)
    }

    @Test("the overall status is the worst; exit codes follow the Nagios convention")
    func overall() {
        let ok = HealthAssessment(report(), now: now, premake: 4)
        let warning = HealthAssessment(
            report(defaultRows: DefaultRows(count: 1, oldest: nil, newest: nil)), now: now, premake: 4)
        let critical = HealthAssessment(TableReport(table: table, status: .failed), now: now, premake: 4)
        #expect(HealthAssessment.overall([]) == .ok)
        #expect(HealthAssessment.overall([ok, ok]) == .ok)
        #expect(HealthAssessment.overall([ok, warning]) == .warning)
        #expect(HealthAssessment.overall([critical, warning, ok]) == .critical)
        var failed = TableReport(table: table, status: .failed)
        failed.errors = [TableError(table: table, message: "lock timeout", sqlState: "55P03", isDatabaseError: true)]
        let unknown = HealthAssessment(failed, now: now, premake: 4)
        // CRITICAL over UNKNOWN over WARNING.
        #expect(HealthAssessment.overall([ok, unknown, warning]) == .unknown)
        #expect(HealthAssessment.overall([unknown, critical]) == .critical)
        #expect(HealthAssessment.worstFirst([ok, warning, unknown, critical]) == [critical, unknown, warning, ok])
        #expect(HealthAssessment.Status.unknown.exitCode == 3)
        #expect(HealthAssessment.Status.allCases.map(\.exitCode) == [0, 1, 3, 2])
        #expect(HealthAssessment.text([]) == "OK: no enabled tables to check")
    }

    @Test("tables are listed worst first, in their given order within a status")
    func worstFirst() {
        func named(_ name: String, _ report: TableReport) -> HealthAssessment {
            var report = report
            report.table = QualifiedName(schema: "public", name: name)
            return HealthAssessment(report, now: now, premake: 4)
        }
        let rows = DefaultRows(count: 1, oldest: nil, newest: nil)
        let ordered = HealthAssessment.worstFirst([
            named("a", report()), named("b", report(defaultRows: rows)),
            named("c", TableReport(table: table, status: .failed)), named("d", report()),
            named("e", report(defaultRows: rows)), named("f", TableReport(table: table, status: .failed)),
        ])
        #expect(ordered.map(\.table.name) == ["c", "f", "b", "e", "a", "d"])
    }

    @Test("JSON: overall status, now, and per table its status and problems")
    func json() throws {
        let ok = HealthAssessment(report(), now: now, premake: 4)
        var other = report(defaultRows: DefaultRows(count: 5, oldest: nil, newest: nil))
        other.table = QualifiedName(schema: "app", name: "events")
        let warning = HealthAssessment(other, now: now, premake: 4)
        let text = HealthAssessment.json([ok, warning], now: now)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "warning")
        #expect(object["now"] as? String == "2026-11-26T10:00:00Z")
        let tables = try #require(object["tables"] as? [[String: Any]])
        #expect(tables.map { $0["table"] as? String } == ["public.webhook_events", "app.events"])
        #expect(tables.map { $0["status"] as? String } == ["ok", "warning"])
        #expect(tables.map { $0["problems"] as? [String] } == [[], ["5 rows in default"]])

        let nothing = try #require(
            try JSONSerialization.jsonObject(
                with: Data(HealthAssessment.json([], now: now, unknown: "database unreachable: refused").utf8))
                as? [String: Any])
        #expect(nothing["status"] as? String == "unknown")
        #expect(nothing["message"] as? String == "database unreachable: refused")
        #expect((nothing["tables"] as? [Any])?.isEmpty == true)
    }
}
