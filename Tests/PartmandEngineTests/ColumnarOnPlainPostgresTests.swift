import PartmandCore
import PartmandEngine
import PartmandTestSupport
import Testing

/// `columnar_after` on plain PostgreSQL, which has no columnar access method: a configuration error that
/// fails the table, loudly, and costs nothing else.
@Suite struct ColumnarOnPlainPostgresTests {
    @Test func theTableFailsWithAConfigurationErrorAndItsPartitionsAreStillMade() throws {
        let fixture = try EngineFixture("columnar_plain")
        try fixture.createParent("events")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_old")) PARTITION OF \(fixture.schema.qualified("events"))"
                + " FOR VALUES FROM ('2026-06-01Z') TO ('2026-07-01Z')")
        var spec = fixture.spec("events", retention: nil)
        spec.columnarAfter = CalendarInterval(3, .month)

        let plan = try fixture.engine.plan([spec], now: instant("2026-11-26T10:00:00Z"))
        #expect(plan.tables[0].status == .failed)
        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        let table = try #require(report.tables.first)
        #expect(table.status == .failed)
        #expect(table.errors.map(\.message).allSatisfy { $0.hasPrefix("configuration error: columnar_after needs") })
        #expect(table.errors.count == 1)
        #expect(table.convertedToColumnar.isEmpty)
        // July to March made (the hole before now filled), the default partition too.
        #expect(table.created.count == 9)
        #expect(table.createdDefault != nil)

        let steps = try fixture.pool.withConnection { try ColumnarSetup.run([spec], dryRun: false, on: $0) }
        #expect(steps.count == 1 && steps[0].failed)
        #expect(steps[0].message.contains("needs Citus's citus_columnar extension"))
    }
}
