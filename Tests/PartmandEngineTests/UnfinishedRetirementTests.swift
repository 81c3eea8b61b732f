import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// Retirements that take two transactions (DETACH … CONCURRENTLY, then drop or archive) are recorded
/// in partmand's ledger first, so whatever stops them half-way, the next pass finishes them and `plan`
/// reports them until it has.
@Suite struct UnfinishedRetirementTests {
    /// Monthly partitions Jan–Jun 2026 without a default partition, `rows` rows in January.
    private func seed(_ fixture: EngineFixture, januaryRows rows: Int = 744) throws {
        try fixture.createParent("events")
        let events = fixture.schema.qualified("events")
        for month in 1...6 {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(String(format: "events_m%02d", month))) PARTITION OF \(events)"
                    + " FOR VALUES FROM ('2026-\(month)-01+00') TO ('2026-\(month + 1)-01+00')")
        }
        try fixture.schema.run(
            "INSERT INTO \(events) (received_at) SELECT '2026-01-01+00'::timestamptz + n * interval '1 hour'"
                + " FROM generate_series(0, $1::int - 1) AS n", [.text(String(rows))])
    }

    /// Records the retirement of `events_m01` in the ledger, as a partmand does before it detaches.
    private func recordJanuary(_ fixture: EngineFixture, action: RetentionAction, on connection: PostgresConnection)
        throws
    {
        try RetirementLedger.create(on: connection)
        let retired = RetiredPartition(
            name: QualifiedName(schema: fixture.schema.name, name: "events_m01"),
            range: PartitionRange(
                lower: .value(instant("2026-01-01T00:00:00Z")), upper: .value(instant("2026-02-01T00:00:00Z"))),
            action: action, finishPendingDetach: false)
        _ = try RetirementLedger.record(
            retired, of: QualifiedName(schema: fixture.schema.name, name: "events"), on: connection)
    }

    private func ledgerRows(_ fixture: EngineFixture) throws -> Int {
        try fixture.schema.run(
            "SELECT count(*)::int AS n FROM partmand.retirement WHERE parent_schema = $1", [.text(fixture.schema.name)]
        ).rows[0].int("n")
    }

    private func relation(_ fixture: EngineFixture, _ qualified: String) throws -> (exists: Bool, partition: Bool) {
        let row = try fixture.schema.run(
            "SELECT relispartition FROM pg_class WHERE oid = to_regclass($1)", [.text(qualified)]
        ).rows.first
        return (row != nil, row?["relispartition"] == "t")
    }

    @Test("a drop that fails after the detach (a view depends on it) stays visible and is finished later")
    func failedDropIsFinishedByALaterPass() throws {
        let fixture = try EngineFixture("dropfail")
        try seed(fixture)
        let january = fixture.schema.qualified("events_m01")
        try fixture.schema.run("CREATE VIEW \(fixture.schema.qualified("january")) AS SELECT * FROM \(january)")
        let spec = fixture.spec("events", premake: 1, retention: "5 months", defaultPartition: false)

        let first = fixture.pass([spec], at: "2026-07-15T00:00:00Z")

        #expect(first.tables[0].status == .failed)
        #expect(first.tables[0].errors.map(\.sqlState).contains("2BP01"), "\(first.tables[0].errors)")
        #expect(try relation(fixture, january) == (true, false))
        #expect(try ledgerRows(fixture) == 1)

        // plan (and so health) sees it; the next pass tries again and fails again, loudly.
        let plan = try fixture.engine.plan([spec], now: instant("2026-07-15T00:00:00Z")).tables[0]
        let unfinished = plan.findings.compactMap { if case .unfinishedRetirement(let u) = $0 { u } else { nil } }
        #expect(unfinished.map(\.state) == [.detached])
        #expect(unfinished.first?.name.name == "events_m01")
        #expect(plan.planned.contains { if case .finishRetirement = $0 { true } else { false } })
        let second = fixture.pass([spec], at: "2026-07-15T00:00:00Z")
        #expect(second.tables[0].status == .failed)
        #expect(second.tables[0].errors.map(\.sqlState).contains("2BP01"))

        try fixture.schema.run("DROP VIEW \(fixture.schema.qualified("january"))")
        let third = fixture.pass([spec], at: "2026-07-15T00:00:00Z")

        #expect(third.succeeded, "\(third.tables.flatMap(\.errors))")
        #expect(third.tables[0].finishedRetirements.count == 1)
        #expect(try !relation(fixture, january).exists)
        #expect(try ledgerRows(fixture) == 0)
        let after = try fixture.engine.plan([spec], now: instant("2026-07-15T00:00:00Z")).tables[0]
        #expect(!after.findings.contains { if case .unfinishedRetirement = $0 { true } else { false } })
    }

    @Test("killed between the concurrent detach and the archive: the next pass archives every row")
    func detachedButNotArchivedIsFinished() throws {
        let fixture = try EngineFixture("halfarchive")
        try seed(fixture)
        let archive = fixture.schema.name + "_archive"
        defer { _ = try? fixture.schema.run("DROP SCHEMA IF EXISTS \(SQL.identifier(archive)) CASCADE") }
        let spec = fixture.spec(
            "events", premake: 1, retention: "5 months", action: .archive(schema: archive), defaultPartition: false)
        // What a partmand killed right after DETACH … CONCURRENTLY leaves: the record, and a standalone table.
        let connection = try TestServer.connect()
        defer { connection.close() }
        try recordJanuary(fixture, action: .archive(schema: archive), on: connection)
        try connection.execute(
            "ALTER TABLE \(fixture.schema.qualified("events")) DETACH PARTITION \(fixture.schema.qualified("events_m01")) CONCURRENTLY",
            purpose: "detach as the killed partmand did")

        let plan = try fixture.engine.plan([spec], now: instant("2026-07-15T00:00:00Z")).tables[0]
        #expect(
            plan.findings.contains { if case .unfinishedRetirement(let u) = $0 { u.state == .detached } else { false } }
        )

        let report = fixture.pass([spec], at: "2026-07-15T00:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].finishedRetirements.map(\.name.name) == ["events_m01"])
        let archived = try fixture.schema.run("SELECT count(*)::int AS n FROM \(SQL.qualified(archive, "events_m01"))")
        #expect(try archived.rows[0].int("n") == 744)
        #expect(try ledgerRows(fixture) == 0)
    }

    @Test("a record whose detach never happened is cleared and the partition judged afresh")
    func neverDetachedRecordIsCleared() throws {
        let fixture = try EngineFixture("neverdetached")
        try seed(fixture, januaryRows: 3)
        let connection = try TestServer.connect()
        defer { connection.close() }
        try recordJanuary(fixture, action: .drop, on: connection)

        // Retention is now a year: January is not due, so it stays, and the stale record goes.
        let report = fixture.pass(
            [fixture.spec("events", premake: 1, retention: "12 months", defaultPartition: false)],
            at: "2026-07-15T00:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(try relation(fixture, fixture.schema.qualified("events_m01")) == (true, true))
        #expect(try ledgerRows(fixture) == 0)
    }

    @Test("a given now far from the server's clock creates partitions but retires nothing")
    func givenNowDoesNotRetire() throws {
        let fixture = try EngineFixture("fakeclock")
        try seed(fixture, januaryRows: 10)
        let spec = fixture.spec("events", premake: 1, retention: "5 months", defaultPartition: false)

        let refused = fixture.engine.runPass(
            [spec], now: instant("2026-07-15T00:00:00Z"), clock: .given(retireAnyway: false))

        let table = refused.tables[0]
        #expect(table.status == .failed)
        #expect(table.refusedRetirements.map(\.partition.name) == ["events_m01"])
        #expect(table.errors.first?.message.contains("only the server's clock retires partitions") == true)
        #expect(table.created.map(\.name) == ["events_p20260701", "events_p20260801"])
        #expect(try relation(fixture, fixture.schema.qualified("events_m01")) == (true, true))
        #expect(try fixture.rowsPerPartition("events")["events_m01"] == 10)

        let allowed = fixture.engine.runPass(
            [spec], now: instant("2026-07-15T00:00:00Z"), clock: .given(retireAnyway: true))

        #expect(allowed.succeeded, "\(allowed.tables.flatMap(\.errors))")
        #expect(allowed.tables[0].retired.map(\.name.name) == ["events_m01"])
    }

    @Test("a given now within the skew guard of the server's clock retires as the clock would")
    func givenNowCloseToTheServerClockRetires() throws {
        let fixture = try EngineFixture("closeclock")
        try fixture.createParent("events")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_old")) PARTITION OF \(fixture.schema.qualified("events"))"
                + " FOR VALUES FROM ('2020-01-01+00') TO ('2020-02-01+00')")

        let report = fixture.engine.runPass(
            [fixture.spec("events", premake: 1, retention: "6 months")], now: Date().addingTimeInterval(60),
            clock: .given(retireAnyway: false))

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].retired.map(\.name.name) == ["events_old"])
    }
}
