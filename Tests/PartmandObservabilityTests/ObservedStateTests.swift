import Foundation
import PartmandCore
import PartmandEngine
import Testing

@testable import PartmandObservability

@Suite("What /healthz and the gauges make of pass reports")
struct ObservedStateTests {
    let premake = [Reports.name("events"): 4, Reports.name("orders"): 4]
    let covered = [Reports.name("events"), Reports.name("orders")]

    @Test("a failing table makes /healthz 503 naming it and its SQLSTATE; its recovery on a retry makes it 200")
    func failThenRecover() throws {
        var state = ObservedState(startedAt: Reports.now)
        state.record(
            Reports.pass([
                Reports.ok("events", created: 2),
                Reports.failed("orders", sqlState: "55P03", message: "canceling statement due to lock timeout\nmore"),
            ]), covered: covered, premake: premake, now: Reports.now)
        let failing = HealthVerdict(state, heartbeatAge: .milliseconds(300))
        #expect(failing.httpStatus == 503)
        #expect(failing.status == "failing")
        let entry = try #require(failing.failing.only)
        #expect(entry.table == "app.orders")
        #expect(entry.sqlstate == "55P03")
        #expect(entry.message == "canceling statement due to lock timeout")
        #expect(entry.since == "2027-01-15T08:00:00Z")
        #expect(entry.since == ISO8601DateFormatter().string(from: Reports.now))
        #expect(failing.json.contains(#""table":"app.orders""#), "\(failing.json)")

        // The retry covers only the failed table; it succeeds.
        state.record(
            Reports.pass([Reports.ok("orders")]), covered: [Reports.name("orders")], premake: premake,
            now: Reports.now.addingTimeInterval(600))
        let recovered = HealthVerdict(state, heartbeatAge: .milliseconds(300))
        #expect(recovered.httpStatus == 200)
        #expect(recovered.failing.isEmpty)
        #expect(state.tables[Reports.name("events")]?.lastSuccess == Reports.now)
    }

    @Test("a failing table's since is what ISO8601DateFormatter writes, near whole seconds too")
    func sinceLikeISO8601DateFormatter() {
        let formatter = ISO8601DateFormatter()
        var generator = SplitMix64(seed: 8601)
        var mismatches: [String] = []
        for _ in 0..<5000 {
            let seconds = Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            let fraction = [Double.random(in: 0..<1, using: &generator), 0.9995, 0.99949, 0.9996, 0.0004, 0.0005]
            for date in fraction.map({ Date(timeIntervalSince1970: seconds + $0) })
            where HealthVerdict.since(date) != formatter.string(from: date) {
                mismatches.append("\(date.timeIntervalSince1970): \(HealthVerdict.since(date))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }

    @Test("a stalled scheduler is 503 even when every table is fine")
    func stalled() {
        var state = ObservedState(startedAt: Reports.now)
        state.record(Reports.pass([Reports.ok("events")]), covered: covered, premake: premake, now: Reports.now)
        #expect(HealthVerdict(state, heartbeatAge: .seconds(9)).httpStatus == 200)
        let verdict = HealthVerdict(state, heartbeatAge: .seconds(11))
        #expect(verdict.httpStatus == 503)
        #expect(!verdict.scheduler.alive)
    }

    @Test("an unreachable database fails every table of the pass; skipped tables keep their last attempt")
    func unreachableAndSkipped() throws {
        var state = ObservedState(startedAt: Reports.now)
        var down = Reports.pass([])
        down.unreachable = TableError(
            table: QualifiedName(schema: "", name: ""), message: "connection refused", sqlState: "08006",
            isConnectionProblem: true)
        state.record(down, covered: covered, premake: premake, now: Reports.now)
        #expect(state.failingTables.map(\.table) == covered)
        #expect(state.failingTables.first?.failure.sqlstateClass == "08")

        var skipped = TableReport(table: Reports.name("events"), status: .skipped("server is a standby"))
        skipped.findings = []
        state.record(
            Reports.pass([skipped, Reports.ok("orders")]), covered: covered, premake: premake,
            now: Reports.now.addingTimeInterval(60))
        #expect(state.failingTables.map(\.table) == [Reports.name("events")])
    }

    @Test("figures: partitions ahead and missing premake from the plan, rows left in default, retention overdue")
    func figures() throws {
        var report = Reports.ok("events", created: 3)
        // One more planned ahead, not created (it failed).
        report.planned.append(.createPartition(Reports.partition("events", days: 4)))
        report.status = .failed
        report.defaultRowsLeft = DefaultRows(count: 7, oldest: nil, newest: nil)
        let old = Reports.partition("events", days: -200)
        report.planned.append(
            .retirePartition(
                RetiredPartition(name: old.name, range: old.range, action: .drop, finishPendingDetach: false)))
        let figures = try #require(TableFigures(report, premake: 4, now: Reports.now))
        #expect(figures.partitionsAhead == 3)
        #expect(figures.premakeMissing == 1)
        #expect(figures.defaultRows == 7)
        #expect(figures.retentionOverdue == 1)

        // A failure before any plan says nothing about the table's state.
        #expect(
            TableFigures(Reports.failed("events", sqlState: "42501", message: "denied"), premake: 4, now: Reports.now)
                == nil)
    }

    @Test("figures of a pg_partman set: the shortfall finding, less what pg_partman made")
    func partmanFigures() throws {
        var report = TableReport(table: Reports.name("events"), status: .ok)
        report.findings = [
            .premakeShortfall(ahead: 1, premake: 4),
            .retentionDue(Reports.partition("events", days: -90).name, Reports.partition("events", days: -90).range),
        ]
        report.created = [Reports.partition("events", days: 2).name]
        let figures = try #require(TableFigures(report, premake: nil, now: Reports.now))
        #expect(figures.partitionsAhead == 2)
        #expect(figures.premakeMissing == 2)
        #expect(figures.retentionOverdue == 1)
    }

    @Test("a message is cut to its first line and a bounded length")
    func messageBounded() {
        let failure = TableFailure(sqlstate: nil, message: String(repeating: "x", count: 1000) + "\nsecond")
        #expect(failure.message.count == TableFailure.maxMessageLength + 1)
        #expect(failure.sqlstateClass == "none")
    }
}

extension Collection {
    /// The single element, nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
