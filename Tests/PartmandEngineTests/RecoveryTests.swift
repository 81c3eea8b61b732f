import Dispatch
import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// Server restarts and unreachable servers.
@Suite struct RecoveryTests {
    @Test func aConnectionLostMidPassFailsOnlyItsTableAndTheNextTablesReconnect() throws {
        let settings = MaintenanceSettings(
            lockTimeout: .seconds(30), statementTimeout: .seconds(60), retries: 0, backoff: .milliseconds(100))
        let fixture = try EngineFixture("lostconn", settings: settings)
        for table in ["a", "b", "c"] { try fixture.createParent(table) }
        let specs = ["a", "b", "c"].map { fixture.spec($0) }
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("a"))
        defer { blocker.close() }

        let finished = DispatchSemaphore(value: 0)
        let report = LockedBox<PassReport?>(nil)
        DispatchQueue.global().async {
            report.mutate { $0 = fixture.pass(specs, at: "2026-11-26T10:00:00Z") }
            finished.signal()
        }
        // Once partmand's backend waits for table a, it is killed (an administrator, a failover, a proxy).
        var killed = false
        for _ in 0..<200 where !killed {
            killed =
                try fixture.schema.run(
                    """
                    SELECT pg_terminate_backend(l.pid) AS killed FROM pg_locks l
                    WHERE l.relation = to_regclass($1) AND NOT l.granted
                    """, [.text(fixture.schema.qualified("a"))]
                ).rows.first?["killed"] == "t"
            if !killed { Thread.sleep(forTimeInterval: 0.05) }
        }
        try #require(killed, "the pass never waited for table a")
        #expect(finished.wait(timeout: .now() + 60) == .success, "the pass must end")
        try blocker.execute("ROLLBACK", purpose: "unblock")

        let tables = try #require(report.value).tables
        #expect(tables.map(\.status) == [.failed, .ok, .ok], "\(tables.flatMap(\.errors))")
        #expect(tables[0].errors.first?.isConnectionProblem == true)
        #expect(try fixture.partitions("b").count == 6)
        #expect(try fixture.partitions("c").count == 6)
    }

    @Test func anActionCancelledByAStopCountsAsNotDone() throws {
        let settings = MaintenanceSettings(lockTimeout: .seconds(30), statementTimeout: .seconds(60), retries: 0)
        // One pooled connection: table b waits for table a (with two, b is maintained beside a and done).
        let fixture = try EngineFixture("stopped", settings: settings, poolSize: 1)
        for table in ["a", "b"] { try fixture.createParent(table) }
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("a"))
        defer { blocker.close() }

        let finished = DispatchSemaphore(value: 0)
        let report = LockedBox<PassReport?>(nil)
        DispatchQueue.global().async {
            report.mutate { $0 = fixture.pass([fixture.spec("a"), fixture.spec("b")], at: "2026-11-26T10:00:00Z") }
            finished.signal()
        }
        var waiting = false
        for _ in 0..<200 where !waiting {
            waiting =
                try fixture.schema.run(
                    "SELECT 1 FROM pg_locks WHERE relation = to_regclass($1) AND NOT granted",
                    [.text(fixture.schema.qualified("a"))]
                ).rows.count > 0
            if !waiting { Thread.sleep(forTimeInterval: 0.05) }
        }
        try #require(waiting, "the pass never waited for table a")
        fixture.engine.stopSignal.stop()
        fixture.pool.cancelAll()
        #expect(finished.wait(timeout: .now() + 30) == .success, "the pass must end")

        let tables = try #require(report.value).tables
        // Table a was being worked on: failed, with what was not done; table b never started: skipped.
        #expect(tables[0].status == .failed)
        #expect(tables[0].errors.contains { $0.sqlState == "57014" }, "\(tables[0].errors)")
        #expect(tables[0].errors.contains { $0.message.contains("shutting down; not done") }, "\(tables[0].errors)")
        #expect(tables[1].status == .skipped("shutting down"))
        #expect(!(try #require(report.value)).succeeded)
    }

    @Test func serverRestartDuringAPassThenTheNextPassConverges() throws {
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        let settings = MaintenanceSettings(
            lockTimeout: .milliseconds(200), statementTimeout: .seconds(30), retries: 30,
            backoff: .milliseconds(100), maxBackoff: .milliseconds(200))
        let fixture = try EngineFixture("restart", settings: settings, conninfo: cluster.conninfo)
        try fixture.createParent("a")
        try fixture.createParent("b")
        let specs = [fixture.spec("a"), fixture.spec("b")]
        // Table a is locked, so the pass sits in its retry loop when the server goes away.
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("a"), cluster.conninfo)
        defer { blocker.close() }

        let finished = DispatchSemaphore(value: 0)
        let firstReport = LockedBox<PassReport?>(nil)
        DispatchQueue.global().async {
            firstReport.mutate { $0 = fixture.pass(specs, at: "2026-11-26T10:00:00Z") }
            finished.signal()
        }
        // Restart only once the pass is really waiting for table a's lock (a loaded machine may be slow
        // to get there); it then sits in its retry loop for several seconds.
        let observer = try TestServer.connect(cluster.conninfo)
        var waiting = false
        for _ in 0..<200 where !waiting {
            let row = try observer.query(
                "SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted", purpose: "wait for the pass to block"
            ).rows[0]
            waiting = row["n"] != "0"
            if !waiting { Thread.sleep(forTimeInterval: 0.05) }
        }
        observer.close()
        try #require(waiting, "the pass never waited for the lock")
        try cluster.restart()
        #expect(finished.wait(timeout: .now() + 60) == .success, "the interrupted pass must end")
        let first = try #require(firstReport.value)
        #expect(first.tables[0].status == .failed)
        #expect(first.tables[0].errors.first?.isConnectionProblem == true)

        let second = fixture.pass(specs, at: "2026-11-26T10:00:00Z")

        #expect(second.succeeded, "\(second.tables.flatMap(\.errors))")
        #expect(try fixture.partitions("a").count == 6)
        #expect(try fixture.partitions("b").count == 6)
    }

    @Test func unreachableDatabaseIsReportedNotThrown() throws {
        let pool = ConnectionPool(
            options: ConnectionOptions(conninfo: "host=/nonexistent-partmand-socket-dir port=1 user=nobody"),
            size: 1, logger: TestServer.silentLogger)
        let engine = MaintenanceEngine(pool: pool, settings: MaintenanceSettings(), logger: TestServer.silentLogger)
        let spec = TableSpec(
            parent: QualifiedName(schema: "public", name: "t"), column: "at", interval: CalendarInterval(1, .month))

        let report = engine.runPass([spec], now: Date(), clock: .system)

        #expect(report.unreachable?.isConnectionProblem == true)
        #expect(!report.succeeded)
    }

    @Test func wrongLocalClockIsRefused() throws {
        let fixture = try EngineFixture("clock")
        try fixture.createParent("events")

        let report = fixture.engine.runPass(
            [fixture.spec("events")], now: Date().addingTimeInterval(86400 * 400), clock: .system)

        #expect(report.tables[0].status == .failed)
        #expect(report.tables[0].errors.first?.message.contains("clock") == true)
        #expect(try fixture.partitions("events").isEmpty)
    }
}
