import Foundation
import PartmandCore
import PartmandEngine
import PartmandTestSupport
import Testing

/// The reference deployment: monthly on received_at, premake 4, retention 6 months.
@Suite struct ReferenceDeploymentTests {
    @Test func firstPassCreatesExactlyTheExpectedPartitions() throws {
        let fixture = try EngineFixture("reference")
        try fixture.createParent("webhook_events")
        let spec = fixture.spec("webhook_events")

        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")

        #expect(report.succeeded)
        #expect(report.tables.map(\.status) == [.ok])
        #expect(
            try fixture.partitions("webhook_events") == [
                "webhook_events_p20261101 \(monthBounds(2026, 11))",
                "webhook_events_p20261201 \(monthBounds(2026, 12))",
                "webhook_events_p20270101 \(monthBounds(2027, 1))",
                "webhook_events_p20270201 \(monthBounds(2027, 2))",
                "webhook_events_p20270301 \(monthBounds(2027, 3))",
                "webhook_events_default DEFAULT",
            ])
    }

    @Test func secondPassChangesNothing() throws {
        let fixture = try EngineFixture("idempotent")
        try fixture.createParent("webhook_events")
        let spec = fixture.spec("webhook_events")
        fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        let before = try fixture.partitions("webhook_events")

        let second = fixture.pass([spec], at: "2026-11-26T10:05:00Z")

        #expect(second.succeeded)
        #expect(second.tables[0].planned.isEmpty)
        #expect(second.createdCount == 0 && second.retiredCount == 0)
        #expect(try fixture.partitions("webhook_events") == before)
    }

    @Test func steppingMonthByMonthKeepsExactlyTheWindow() throws {
        let fixture = try EngineFixture("stepping")
        try fixture.createParent("webhook_events")
        let spec = fixture.spec("webhook_events")
        var year = 2026
        var month = 11
        for step in 0..<14 {
            let report = fixture.pass([spec], at: String(format: "%04d-%02d-15T02:00:00Z", year, month))
            #expect(report.succeeded, "step \(step)")

            // Kept: from max(Nov 2026, now - 6 months) to now + 4 months, by independent month arithmetic.
            let now = year * 12 + month - 1
            let first = max(2026 * 12 + 10, now - 6)
            let expected =
                (first...(now + 4)).map { index in
                    let (y, m) = (index / 12, index % 12 + 1)
                    return String(format: "webhook_events_p%04d%02d01 ", y, m) + monthBounds(y, m)
                } + ["webhook_events_default DEFAULT"]
            #expect(try fixture.partitions("webhook_events") == expected, "step \(step) at \(year)-\(month)")
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
    }

    @Test func planChangesNothing() throws {
        let fixture = try EngineFixture("plan")
        try fixture.createParent("webhook_events")
        let spec = fixture.spec("webhook_events")

        let reports = try fixture.engine.plan([spec], now: instant("2026-11-26T10:00:00Z")).tables

        #expect(reports[0].planned.count == 6)
        #expect(reports[0].planned.first?.kind == "create")
        #expect(reports[0].planned.last?.kind == "create-default")
        #expect(try fixture.partitions("webhook_events").isEmpty)
    }

    @Test func parisBoundariesFallOnLocalMidnight() throws {
        let fixture = try EngineFixture("paris")
        try fixture.createParent("webhook_events")
        let spec = fixture.spec("webhook_events", premake: 1, retention: nil, timeZone: "Europe/Paris")

        fixture.pass([spec], at: "2027-03-15T12:00:00Z")

        // March 2027 starts at 00:00 CET (+01), April at 00:00 CEST (+02).
        #expect(
            try fixture.partitions("webhook_events") == [
                "webhook_events_p20270301 FROM 2027-02-28 23:00:00+00 TO 2027-03-31 22:00:00+00",
                "webhook_events_p20270401 FROM 2027-03-31 22:00:00+00 TO 2027-04-30 22:00:00+00",
                "webhook_events_default DEFAULT",
            ])
    }
}
