import Dispatch
import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// Advisory locks, lock timeouts, retries and failure isolation.
@Suite struct ConcurrencyTests {
    @Test func tableLockedByAnotherPartmandIsSkipped() throws {
        let fixture = try EngineFixture("advisory")
        try fixture.createParent("events")
        let other = try TestServer.connect()
        defer { other.close() }
        try other.query(
            "SELECT pg_advisory_lock(($1::int8 << 32) | to_regclass($2)::oid::int8)",
            [.text(String(0x7061_7274)), .text(fixture.schema.qualified("events"))], purpose: "hold lock")

        let report = fixture.pass([fixture.spec("events")], at: "2026-11-26T10:00:00Z")

        // The report names the holder: not a partmand (no lock mark in its application_name).
        let holder = try #require(report.tables[0].lockHolder)
        #expect(holder.pid == other.backendPID)
        #expect(!holder.isPartmand)
        #expect(report.tables[0].status == .skipped("locked by another partmand (\(holder))"))
        #expect(report.succeeded)
        #expect(try fixture.partitions("events").isEmpty)
    }

    /// Tables that only need new partitions are maintained side by side over the pool: each still under
    /// its own lock, rows stranded in a default partition still moved, a locked table still skipped alone,
    /// and the report in configuration order with each table reported once as it finished.
    @Test func tablesSideBySideKeepEveryGuarantee() throws {
        let fixture = try EngineFixture("sidebyside")
        let tables = (1...8).map { "t\($0)" }
        for table in tables { try fixture.createParent(table) }
        let specs = tables.map { fixture.spec($0, retention: nil) }
        let first = fixture.pass(specs, at: "2026-11-26T10:00:00Z")
        #expect(first.succeeded, "\(first.tables.map(\.summary))")
        // Each table lacks its furthest partition; t3's default partition holds 40 rows of that month.
        for table in tables {
            try fixture.schema.run("DROP TABLE \(fixture.schema.qualified(table + "_p20270301"))")
        }
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("t3")) (received_at)"
                + " SELECT '2027-03-10+00'::timestamptz + g * interval '1 hour' FROM generate_series(1, 40) g")
        let other = try TestServer.connect()
        defer { other.close() }
        try other.query(
            "SELECT pg_advisory_lock(($1::int8 << 32) | to_regclass($2)::oid::int8)",
            [.text(String(0x7061_7274)), .text(fixture.schema.qualified("t6"))], purpose: "hold lock")
        let finished = LockedBox<[String]>([])

        let report = fixture.engine.runPass(
            specs, now: instant("2026-11-26T10:00:00Z"), clock: .given(retireAnyway: true),
            first: [QualifiedName(schema: fixture.schema.name, name: "t8")],
            tableFinished: { table in finished.mutate { $0.append(table.table.name) } })

        #expect(report.tables.map(\.table.name) == tables)
        #expect(finished.value.sorted() == tables.sorted())
        #expect(finished.value.first == "t8", "a table in `first` is done before any other")
        for table in report.tables where table.table.name != "t6" {
            #expect(table.status == .ok, "\(table.summary)")
            #expect(table.created.map(\.name) == [table.table.name + "_p20270301"])
        }
        #expect(report.tables[2].rowsMoved == 40)
        #expect(try fixture.rowsPerPartition("t3") == ["t3_p20270301": 40])
        #expect(report.tables[5].status == .skipped("locked by another partmand (\(report.tables[5].lockHolder!))"))
        #expect(try !fixture.partitionNames("t6").contains("t6_p20270301"))
        #expect(try fixture.partmandAdvisoryLocksHeld(on: tables.filter { $0 != "t6" }) == 0)
    }

    @Test func aPartmandHoldingTheLockIsNamedWithItsStartTime() throws {
        let fixture = try EngineFixture("holder")
        try fixture.createParent("events")
        let holding = try TestServer.connect()
        defer { holding.close() }
        let oid = try fixture.schema.run(
            "SELECT to_regclass($1)::oid::int8 AS oid", [.text(fixture.schema.qualified("events"))]
        ).rows[0].int64("oid")
        let lock = try #require(try TableLock.tryAcquire(parent: oid, on: holding))

        let report = fixture.pass([fixture.spec("events")], at: "2026-11-26T10:00:00Z")

        let holder = try #require(report.tables[0].lockHolder)
        #expect(holder.pid == holding.backendPID)
        #expect(holder.isPartmand)
        #expect(abs(try #require(holder.heldFor)) < 60)
        // Released, the session gets its own application_name back.
        lock.release(on: holding)
        let name = try holding.query("SELECT current_setting('application_name') AS n", purpose: "name").rows[0]
        #expect(name["n"] == "partmand")
    }

    @Test func twoConcurrentPassesConverge() throws {
        let fixture = try EngineFixture("twopasses")
        for table in ["a", "b", "c"] { try fixture.createParent(table) }
        let specs = ["a", "b", "c"].map { fixture.spec($0) }
        let second = try EngineFixture("twopasses2")
        let engines = [fixture.engine, second.engine]
        let reports = LockedBox<[PassReport]>([])

        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let report = engines[index].runPass(
                specs, now: instant("2026-11-26T10:00:00Z"), clock: .given(retireAnyway: true))
            reports.mutate { $0.append(report) }
        }

        for report in reports.value { #expect(report.succeeded, "\(report.tables.flatMap(\.errors))") }
        for table in ["a", "b", "c"] {
            #expect(try fixture.partitions(table).count == 6, "table \(table)")
        }
        #expect(try fixture.partmandAdvisoryLocksHeld(on: ["a", "b", "c"]) == 0)
    }

    @Test func lockTimeoutFailsOneTableAndTheOthersGoOn() throws {
        let fixture = try EngineFixture("isolation")
        try fixture.createParent("busy")
        try fixture.createParent("quiet")
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("busy"))
        defer { blocker.close() }

        let report = fixture.pass([fixture.spec("busy"), fixture.spec("quiet")], at: "2026-11-26T10:00:00Z")
        try blocker.execute("ROLLBACK", purpose: "unblock")

        #expect(!report.succeeded)
        let busy = report.tables[0]
        #expect(busy.status == .failed)
        #expect(busy.errors.first?.sqlState == "55P03")
        #expect(busy.errors.first?.table == QualifiedName(schema: fixture.schema.name, name: "busy"))
        #expect(report.tables[1].status == .ok)
        #expect(try fixture.partitions("quiet").count == 6)
        #expect(try fixture.partmandAdvisoryLocksHeld(on: ["busy", "quiet"]) == 0)
        // Nothing half-made is left behind by the failed transactions.
        let leftovers = try fixture.schema.run(
            "SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = $1::regnamespace AND relname LIKE 'busy_p%'",
            [.text(fixture.schema.name)]
        ).rows[0]["n"]
        #expect(leftovers == "0")
    }

    @Test func lockedDefaultPartitionFailsFastInsteadOfHanging() throws {
        let fixture = try EngineFixture("lockeddefault")
        try fixture.createParent("events")
        let defaultPartition = fixture.schema.qualified("events_default")
        try fixture.schema.run(
            "CREATE TABLE \(defaultPartition) PARTITION OF \(fixture.schema.qualified("events")) DEFAULT")
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("events")) (received_at) VALUES ('2030-01-01+00')")
        let blocker = try TestServer.holdingAccessExclusive(defaultPartition)
        defer { blocker.close() }

        let report = fixture.pass([fixture.spec("events")], at: "2026-11-26T10:00:00Z")
        try blocker.execute("ROLLBACK", purpose: "unblock")

        #expect(report.tables[0].status == .failed)
        #expect(report.tables[0].errors.first?.sqlState == "55P03")
        #expect(try fixture.partmandAdvisoryLocksHeld(on: ["events"]) == 0)
    }

    @Test func planWithALockedDefaultPartitionFailsFast() throws {
        let fixture = try EngineFixture("plandefault")
        try fixture.createParent("events")
        let defaultPartition = fixture.schema.qualified("events_default")
        try fixture.schema.run(
            "CREATE TABLE \(defaultPartition) PARTITION OF \(fixture.schema.qualified("events")) DEFAULT")
        let blocker = try TestServer.holdingAccessExclusive(defaultPartition)
        defer { blocker.close() }
        defer { _ = try? blocker.execute("ROLLBACK", purpose: "unblock") }

        // No retries: the table fails at once with the lock timeout, and the plan is still returned.
        let plan = try fixture.engine.plan([fixture.spec("events")], now: instant("2026-11-26T10:00:00Z"))
        #expect(plan.tables.map(\.status) == [.failed])
        #expect(plan.tables.first?.errors.map(\.sqlState) == ["55P03"])
    }

    @Test func lockReleasedDuringBackoffIsRetriedToSuccess() throws {
        let settings = MaintenanceSettings(
            lockTimeout: .milliseconds(100), statementTimeout: .seconds(30), retries: 8,
            backoff: .milliseconds(100), maxBackoff: .milliseconds(400))
        let fixture = try EngineFixture("retry", settings: settings)
        try fixture.createParent("events")
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("events"))
        defer { blocker.close() }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(400)) {
            _ = try? blocker.execute("ROLLBACK", purpose: "unblock")
        }

        let report = fixture.pass([fixture.spec("events")], at: "2026-11-26T10:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(try fixture.partitions("events").count == 6)
        // The report counts the retries (for /metrics): the lock was held for 400 ms, each wait is 100 ms.
        #expect(report.tables[0].lockRetries >= 1)
    }

    @Test func missingAndMisconfiguredTablesFailWithoutStoppingOthers() throws {
        let fixture = try EngineFixture("misconfigured")
        try fixture.createParent("good")
        try fixture.schema.run("CREATE TABLE \(fixture.schema.qualified("plain")) (received_at timestamptz)")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("listed")) (received_at timestamptz) PARTITION BY LIST (received_at)"
        )
        try fixture.createParent("othercol", column: "created_at")

        let report = fixture.pass(
            ["missing", "plain", "listed", "othercol", "good"].map { fixture.spec($0) }, at: "2026-11-26T10:00:00Z")

        let messages = report.tables.map { $0.errors.first?.message ?? "ok" }
        #expect(messages[0].contains("does not exist"))
        #expect(messages[1].contains("not a partitioned table"))
        #expect(messages[2].contains("LIST"))
        #expect(messages[3].contains("partitioned on column created_at"))
        #expect(report.tables[4].status == .ok)
    }
}
