import Dispatch
import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// Retiring old partitions by drop, detach or archive, with and without a default partition.
@Suite struct RetentionTests {
    /// Creates monthly partitions Jan–Jun 2026 by hand, with a row in each.
    private func seed(_ fixture: EngineFixture, withDefault: Bool) throws {
        try fixture.createParent("events")
        let events = fixture.schema.qualified("events")
        for month in 1...6 {
            let name = fixture.schema.qualified(String(format: "events_m%02d", month))
            try fixture.schema.run(
                "CREATE TABLE \(name) PARTITION OF \(events) FOR VALUES FROM ('2026-\(month)-01+00') TO ('2026-\(month + 1)-01+00')"
            )
            try fixture.schema.run("INSERT INTO \(events) (received_at) VALUES ('2026-\(month)-10+00')")
        }
        if withDefault {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified("events_default")) PARTITION OF \(events) DEFAULT")
        }
    }

    private func tableExists(_ fixture: EngineFixture, _ qualified: String) throws -> (exists: Bool, partition: Bool) {
        let row = try fixture.schema.run(
            "SELECT relispartition FROM pg_class WHERE oid = to_regclass($1)", [.text(qualified)]
        ).rows.first
        return (row != nil, row?["relispartition"] == "t")
    }

    @Test(arguments: [true, false])
    func dropRemovesOnlyPartitionsPastRetention(withDefault: Bool) throws {
        let fixture = try EngineFixture("drop")
        try seed(fixture, withDefault: withDefault)

        // now 2026-07-15, retention 3 months: cutoff 2026-04-15, so Jan, Feb, Mar go.
        let report = fixture.pass(
            [fixture.spec("events", premake: 1, retention: "3 months", defaultPartition: withDefault)],
            at: "2026-07-15T00:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].retired.map(\.name.name) == ["events_m01", "events_m02", "events_m03"])
        for month in 1...3 {
            #expect(try !tableExists(fixture, fixture.schema.qualified("events_m0\(month)")).exists)
        }
        #expect(try tableExists(fixture, fixture.schema.qualified("events_m04")).partition)
        let rows = try fixture.schema.run("SELECT count(*)::int AS n FROM \(fixture.schema.qualified("events"))")
        #expect(rows.rows[0]["n"] == "3")
    }

    @Test func detachKeepsTheTableAndItsRows() throws {
        let fixture = try EngineFixture("detach")
        try seed(fixture, withDefault: true)

        let report = fixture.pass(
            [fixture.spec("events", premake: 1, retention: "5 months", action: .detach)], at: "2026-07-15T00:00:00Z")

        #expect(report.tables[0].retired.map(\.name.name) == ["events_m01"])
        let state = try tableExists(fixture, fixture.schema.qualified("events_m01"))
        #expect(state.exists && !state.partition)
        let kept = try fixture.schema.run("SELECT count(*)::int AS n FROM \(fixture.schema.qualified("events_m01"))")
        #expect(kept.rows[0]["n"] == "1")
    }

    @Test func archiveMovesTheTableAndRefusesToOverwrite() throws {
        let fixture = try EngineFixture("archive")
        try seed(fixture, withDefault: false)
        let archive = fixture.schema.name + "_archive"
        defer { _ = try? fixture.schema.run("DROP SCHEMA IF EXISTS \(SQL.identifier(archive)) CASCADE") }
        try fixture.schema.run("CREATE SCHEMA \(SQL.identifier(archive))")
        try fixture.schema.run("CREATE TABLE \(SQL.qualified(archive, "events_m02")) (x int)")
        let spec = fixture.spec("events", premake: 1, retention: "4 months", action: .archive(schema: archive))

        let report = fixture.pass([spec], at: "2026-07-15T00:00:00Z")

        // Jan moves; Feb would overwrite an existing table, so it is refused and stays attached.
        #expect(report.tables[0].retired.map(\.name.name) == ["events_m01"])
        #expect(report.tables[0].errors.first?.message.contains("already exists") == true)
        #expect(try tableExists(fixture, SQL.qualified(archive, "events_m01")).exists)
        #expect(try tableExists(fixture, fixture.schema.qualified("events_m02")).partition)
    }

    @Test func interruptedConcurrentDetachIsFinished() throws {
        let fixture = try EngineFixture("pending")
        try seed(fixture, withDefault: false)
        let events = fixture.schema.qualified("events")
        // An old transaction makes the second phase of DETACH … CONCURRENTLY wait; a short
        // lock_timeout then cancels it and leaves the partition pending detach.
        let reader = try TestServer.connect()
        defer { reader.close() }
        try reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ", purpose: "old snapshot")
        try reader.query("SELECT count(*) FROM \(events)", purpose: "old snapshot")
        let detacher = try TestServer.connect()
        defer { detacher.close() }
        try detacher.execute("SET lock_timeout = '300ms'", purpose: "short timeout")
        #expect(throws: PostgresError.self) {
            try detacher.execute(
                "ALTER TABLE \(events) DETACH PARTITION \(fixture.schema.qualified("events_m01")) CONCURRENTLY",
                purpose: "interrupted detach")
        }
        try reader.execute("COMMIT", purpose: "end old snapshot")
        let pending = try fixture.schema.run(
            "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass($1)",
            [.text(fixture.schema.qualified("events_m01"))])
        try #require(pending.rows.first?["inhdetachpending"] == "t")

        let report = fixture.pass(
            [fixture.spec("events", premake: 1, retention: "5 months")], at: "2026-07-15T00:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].retired.first?.finishPendingDetach == true)
        #expect(try !tableExists(fixture, fixture.schema.qualified("events_m01")).exists)
    }

    @Test func detachBehindAReaderGivesUpAtTheExclusiveLockTimeout() throws {
        // lock_timeout is long, exclusive_lock_timeout short: the plain DETACH (ACCESS EXCLUSIVE on the
        // parent, which stalls inserts while it waits) must use the short one.
        let settings = MaintenanceSettings(
            lockTimeout: .seconds(60), exclusiveLockTimeout: .milliseconds(100), statementTimeout: .seconds(90),
            retries: 0)
        let fixture = try EngineFixture("exclusive", settings: settings)
        try seed(fixture, withDefault: true)
        // July and August too, so the pass has nothing to create (ATTACH would wait on the default
        // partition, which the reader also holds) and only the retirement meets the reader.
        for month in 7...8 {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified("events_m0\(month)")) PARTITION OF \(fixture.schema.qualified("events"))"
                    + " FOR VALUES FROM ('2026-\(month)-01+00') TO ('2026-\(month + 1)-01+00')")
        }
        let reader = try TestServer.connect()
        defer { reader.close() }
        try reader.execute("BEGIN", purpose: "reader")
        try reader.query("SELECT count(*) FROM \(fixture.schema.qualified("events"))", purpose: "reader")
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(3)) {
            _ = try? reader.execute("COMMIT", purpose: "reader ends")
        }

        let report = fixture.pass(
            [fixture.spec("events", premake: 1, retention: "5 months")], at: "2026-07-15T00:00:00Z")

        #expect(report.tables[0].status == .failed)
        #expect(report.tables[0].errors.first?.sqlState == "55P03")
        #expect(try tableExists(fixture, fixture.schema.qualified("events_m01")).partition)
    }
}
