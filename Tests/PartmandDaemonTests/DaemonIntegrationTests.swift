import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the real `partmand run` binary against the test server, with a fake NOTIFY_SOCKET bound by the
/// test (datagrams are matched by the sender's pid), and checks what a service manager would see.
@Suite("partmand run (integration)", .serialized)
struct DaemonIntegrationTests {
    /// The partitions made for an empty daily table: the default one, today's and 2 ahead.
    static let initialPartitions = 4

    /// The counts of a `last pass HH:MM ok: <tables> tables, <created> created, 0 retired; next
    /// YYYY-MM-DD HH:MM ±HH:MM` STATUS; nil for any other message.
    static func okCounts(_ message: NotifyMessage) -> (tables: Int, created: Int)? {
        let okStatus =
            /last pass \d\d:\d\d ok: (\d+) tables, (\d+) created, 0 retired; next \d{4}-\d\d-\d\d \d\d:\d\d [+-]\d\d:\d\d/
        guard let status = message.status, let match = status.wholeMatch(of: okStatus) else { return nil }
        return (Int(match.1)!, Int(match.2)!)
    }

    // MARK: - Start and first pass

    @Test("READY=1 with a STATUS at start; after the first pass a STATUS with its result; partitions exist")
    func readyAndFirstPass() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let daemon = try DaemonProcess(config: fixture.config(tables: ["events"]))
        defer { daemon.stop() }

        let ready = try #require(try daemon.waitFor("READY=1") { $0.isReady })
        let readyStatus = try #require(ready.status, "READY=1 came without STATUS")
        #expect(readyStatus.hasPrefix("partmand "), "\(readyStatus)")
        #expect(readyStatus.contains("; no pass yet; next "), "\(readyStatus)")

        let done = try #require(try daemon.waitFor("STATUS: last pass") { $0.status?.hasPrefix("last pass") == true })
        let counts = try #require(Self.okCounts(done), "unexpected STATUS: \(done)")
        #expect(counts.tables == 1)
        #expect(counts.created == Self.initialPartitions)
        #expect(try fixture.partitionCount("events") == Self.initialPartitions)
        // Once the pass is reported the service idles until the next run: still alive.
        #expect(daemon.isRunning)

        // An idle daemon stops at once on SIGTERM, with STOPPING=1 and exit 0.
        daemon.send(SIGTERM)
        try daemon.waitFor("STOPPING=1", timeout: .seconds(5)) { $0["STOPPING"] == "1" }
        #expect(daemon.waitForExit(timeout: .seconds(5)) == 0, "stderr:\n\(daemon.stderr)")
    }

    // MARK: - Watchdog

    @Test("WATCHDOG=1 about every WATCHDOG_USEC/2 while the scheduler is alive")
    func watchdogPings() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"]), environment: ["WATCHDOG_USEC": "2000000"])
        defer { daemon.stop() }

        try daemon.waitFor("READY=1") { $0.isReady }
        let window = try daemon.collect(for: .seconds(6))
        let pings = window.filter(\.isWatchdogPing)
        // One ping a second. Judged by the median gap, so that a moment of CPU starvation on a loaded
        // machine does not decide the result.
        #expect(pings.count >= 3, "pings in 6 s: \(pings.count); messages: \(window)\nstderr:\n\(daemon.stderr)")
        let gaps = zip(pings, pings.dropFirst()).map { $1.receivedAt - $0.receivedAt }.sorted()
        if !gaps.isEmpty {
            let median = gaps[gaps.count / 2]
            #expect(median > .milliseconds(500) && median < .milliseconds(1500), "gaps between pings: \(gaps)")
        }
        #expect(daemon.stderr.contains("watchdog enabled"))
        #expect(daemon.stderr.contains("interval_ms=1000"))
    }

    @Test("a long pass does not starve the watchdog pings")
    func watchdogDuringALongPass() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        // The pass waits for a lock that another session holds (lock_timeout 30 s).
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("events"), fixture.conninfo)
        defer { blocker.close() }
        let daemon = try DaemonProcess(
            config: fixture.config(
                tables: ["events"], maintenance: ["lock_timeout": "30s", "statement_timeout": "60s"]),
            environment: ["WATCHDOG_USEC": "2000000"])
        defer { daemon.stop() }

        try daemon.waitFor("STATUS: pass running") { $0.status?.hasPrefix("pass running") == true }
        let window = try daemon.collect(for: .seconds(5))
        let pings = window.filter(\.isWatchdogPing)
        #expect(pings.count >= 3, "pings during the blocked pass: \(pings.count)\nstderr:\n\(daemon.stderr)")
        #expect(!window.contains { $0.status?.hasPrefix("last pass") == true }, "the pass was not blocked")
        try blocker.execute("ROLLBACK", purpose: "unblock")
    }

    @Test("a stalled scheduler stops the watchdog pings and says so")
    func watchdogStopsWhenStalled() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"], schedule: ["run_on_start": "false"]),
            environment: ["WATCHDOG_USEC": "2000000", "PARTMAND_TEST_HOOKS": "1"])
        defer { daemon.stop() }  // SIGKILL: the stalled daemon cannot stop by itself

        try daemon.waitFor("READY=1") { $0.isReady }
        try daemon.waitFor("a first WATCHDOG=1", timeout: .seconds(5)) { $0.isWatchdogPing }

        daemon.send(SIGUSR2)
        #expect(daemon.waitForLog("stalling the scheduler queue", timeout: .seconds(5)), "stderr:\n\(daemon.stderr)")
        // A ping already under way, or one within an interval of the last beat, may still come.
        let trailing = try daemon.collect(for: .milliseconds(1500)).filter(\.isWatchdogPing)
        #expect(trailing.count <= 2)
        let later = try daemon.collect(for: .seconds(3)).filter(\.isWatchdogPing)
        #expect(later.isEmpty, "pings after the stall: \(later.count)")
        #expect(daemon.stderr.contains("not pinging the watchdog"), "stderr:\n\(daemon.stderr)")
        #expect(daemon.isRunning)
    }

    // MARK: - Reload

    @Test("every thread blocks the handled signals, so each one reaches its signal source and none is lost")
    func handledSignalsAreBlockedEverywhere() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        let daemon = try Self.readyDaemonWithoutStartPass(fixture)
        defer { daemon.stop() }

        // A thread that does not block a handled signal may take it and drop it (its disposition is
        // SIG_IGN): libdispatch's dispatchMain() parked the main thread in sigsuspend with an empty mask.
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/task")
        #expect(!tasks.isEmpty)
        for task in tasks {
            let status = try String(contentsOfFile: "/proc/\(daemon.pid)/task/\(task)/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") })
            let mask = try #require(
                UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16))
            for signal in [SIGTERM, SIGINT, SIGHUP, SIGUSR1] {
                #expect(
                    mask & (1 << UInt64(signal - 1)) != 0, "thread \(task) does not block signal \(signal): \(line)")
            }
        }
        // And a burst of SIGHUPs is not lost: each reload is answered.
        for _ in 0..<5 {
            daemon.send(SIGHUP)
            try daemon.waitFor("RELOADING=1") { $0["RELOADING"] == "1" }
            try daemon.waitFor("READY=1 after the reload") { $0.isReady }
        }
    }

    @Test("SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1; the new configuration takes effect")
    func reload() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        try fixture.createParent("orders")
        let daemon = try DaemonProcess(config: fixture.config(tables: ["events"]))
        defer { daemon.stop() }

        try daemon.waitFor("READY=1") { $0.isReady }
        let first = try #require(try daemon.waitFor("first pass") { Self.okCounts($0) != nil })
        #expect(Self.okCounts(first)?.tables == 1)
        #expect(try fixture.partitionCount("orders") == 0)

        try daemon.rewriteConfig(fixture.config(tables: ["events", "orders"]))
        let before = Self.monotonicMicroseconds()
        daemon.send(SIGHUP)
        let reloading = try #require(try daemon.waitFor("RELOADING=1") { $0["RELOADING"] == "1" })
        let after = Self.monotonicMicroseconds()
        let stamp = try #require(reloading["MONOTONIC_USEC"].flatMap(UInt64.init), "no MONOTONIC_USEC: \(reloading)")
        #expect(stamp >= before && stamp <= after, "MONOTONIC_USEC=\(stamp) not in [\(before), \(after)]")
        let ready = try #require(try daemon.waitFor("READY=1 after the reload") { $0.isReady })
        #expect(ready.status?.contains("rejected") == false)
        #expect(daemon.waitForLog("configuration reloaded"), "stderr:\n\(daemon.stderr)")

        daemon.send(SIGUSR1)
        let second = try #require(try daemon.waitFor("a pass over both tables") { Self.okCounts($0) != nil })
        #expect(Self.okCounts(second)?.tables == 2)
        #expect(Self.okCounts(second)?.created == Self.initialPartitions)
        #expect(try fixture.partitionCount("orders") == Self.initialPartitions)
        #expect(try fixture.partitionCount("events") == Self.initialPartitions)
    }

    @Test("SIGHUP applies a new log.level")
    func reloadChangesLogLevel() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let quiet = fixture.config(tables: ["events"]) + "log:\n  level: warning\n"
        let daemon = try DaemonProcess(config: quiet)
        defer { daemon.stop() }
        try daemon.waitFor("READY=1") { $0.isReady }
        try daemon.waitFor("first pass") { Self.okCounts($0) != nil }
        #expect(!daemon.stderr.contains("pass starting"), "info lines at level warning:\n\(daemon.stderr)")

        try daemon.rewriteConfig(fixture.config(tables: ["events"]) + "log:\n  level: info\n")
        daemon.send(SIGHUP)
        try daemon.waitFor("READY=1 after the reload") { $0.isReady }
        daemon.send(SIGUSR1)
        #expect(daemon.waitForLog("pass starting"), "stderr:\n\(daemon.stderr)")
    }

    @Test("SIGHUP with an invalid file: rejected with file:line, the old configuration keeps working")
    func reloadRejected() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        let daemon = try Self.readyDaemonWithoutStartPass(fixture)
        defer { daemon.stop() }

        let broken = fixture.config(tables: ["events"], interval: "montly")
        let badLine = try #require(broken.split(separator: "\n").firstIndex { $0.contains("montly") }) + 1
        try daemon.rewriteConfig(broken)
        daemon.send(SIGHUP)
        try daemon.waitFor("RELOADING=1") { $0["RELOADING"] == "1" && $0["MONOTONIC_USEC"] != nil }
        let ready = try #require(try daemon.waitFor("READY=1 after the rejected reload") { $0.isReady })
        let status = try #require(ready.status)
        #expect(status.hasPrefix("reload rejected ("), "STATUS=\(status)")
        #expect(status.contains("\(daemon.configPath):\(badLine):"), "STATUS=\(status)")
        #expect(status.contains("no pass yet; next "), "STATUS=\(status)")

        #expect(daemon.waitForLog("reload rejected"), "stderr:\n\(daemon.stderr)")
        let stderr = daemon.stderr
        #expect(stderr.contains("\(daemon.configPath):\(badLine):"), "stderr:\n\(stderr)")
        #expect(stderr.contains("tables[0].interval"), "stderr:\n\(stderr)")
        #expect(daemon.isRunning)

        // The previous configuration (daily partitions of events) still drives the passes.
        daemon.send(SIGUSR1)
        let pass = try #require(try daemon.waitFor("a pass with the old configuration") { Self.okCounts($0) != nil })
        #expect(Self.okCounts(pass)?.tables == 1)
        #expect(try fixture.partitionCount("events") == Self.initialPartitions)
    }

    // MARK: - Stop

    /// With `reloadFirst`, a SIGHUP arrives while the pass waits: the stop must still cancel the pass,
    /// which runs on the runtime from before the reload.
    @Test(
        "SIGTERM while a statement waits for a lock: STOPPING=1, cancelled, rolled back, unlocked, exit 0",
        arguments: [false, true])
    func stopDuringBlockedStatement(reloadFirst: Bool) throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let oid = try fixture.oid("events")
        let parent = fixture.schema.qualified("events")

        // Another session holds the parent in ACCESS EXCLUSIVE mode inside an open transaction.
        let blocker = try TestServer.holdingAccessExclusive(parent, fixture.conninfo)
        defer { blocker.close() }

        let daemon = try DaemonProcess(
            config: fixture.config(
                tables: ["events"],
                schedule: ["shutdown_timeout": "10s"],
                maintenance: ["lock_timeout": "30s", "statement_timeout": "60s"]))
        defer { daemon.stop() }
        try daemon.waitFor("READY=1") { $0.isReady }

        // partmand's only connection (pool_size 1) waits in the server for the parent's lock, while
        // holding its advisory lock on the table.
        var waiting: Int?
        let deadline = ContinuousClock.now + .seconds(10)
        while waiting == nil, ContinuousClock.now < deadline {
            waiting = try fixture.schema.run(
                """
                SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.relation = \(oid) AND NOT l.granted AND a.application_name LIKE 'partmand%'
                """
            ).rows.first.map { try $0.int("pid") }
            if waiting == nil { usleep(50_000) }
        }
        let backend = try #require(waiting, "partmand never waited for the lock; stderr:\n\(daemon.stderr)")
        #expect(try advisoryLocks(fixture, oid: oid, pid: backend) == 1)
        if reloadFirst {
            daemon.send(SIGHUP)
            try daemon.waitFor("RELOADING=1") { $0["RELOADING"] == "1" }
            try daemon.waitFor("READY=1 after reload") { $0.isReady }
        }

        let stopAt = ContinuousClock.now
        daemon.send(SIGTERM)
        let stopping = try #require(try daemon.waitFor("STOPPING=1", timeout: .seconds(5)) { $0["STOPPING"] == "1" })
        #expect(stopping.status == "stopping")
        let extend = try #require(
            try daemon.waitFor("EXTEND_TIMEOUT_USEC", timeout: .seconds(5)) { $0["EXTEND_TIMEOUT_USEC"] != nil })
        // shutdown_timeout plus a margin of 5 s.
        #expect(extend["EXTEND_TIMEOUT_USEC"] == "15000000")

        let status = daemon.waitForExit(timeout: .seconds(10))
        let took = ContinuousClock.now - stopAt
        #expect(status == 0, "exit \(String(describing: status)) after \(took); stderr:\n\(daemon.stderr)")
        #expect(took < .seconds(5), "stopping took \(took)")

        // The backend is gone (the server may need a moment to notice), with its advisory lock.
        var gone = false
        let goneBy = ContinuousClock.now + .seconds(5)
        while !gone, ContinuousClock.now < goneBy {
            gone = try fixture.schema.run("SELECT 1 FROM pg_stat_activity WHERE pid = \(backend)").rows.isEmpty
            if !gone { usleep(50_000) }
        }
        #expect(gone, "partmand's backend \(backend) is still there")
        #expect(try advisoryLocks(fixture, oid: oid, pid: nil) == 0)
        #expect(
            try fixture.schema.run(
                """
                SELECT 1 FROM pg_stat_activity
                WHERE application_name LIKE 'partmand%' AND query LIKE '%\(fixture.schema.name)%'
                AND pid NOT IN (pg_backend_pid(), \(blocker.backendPID))
                """
            ).rows.isEmpty)

        // The blocker is untouched: still in its transaction, still working; nothing was created.
        #expect(blocker.transactionStatus == .inTransaction)
        #expect(try blocker.query("SELECT count(*)::int AS n FROM \(parent)", purpose: "blocker").rows[0].int("n") == 0)
        try blocker.execute("COMMIT", purpose: "blocker")
        #expect(try fixture.partitionCount("events") == 0)
        #expect(daemon.stderr.contains("stopping on SIGTERM"))
    }

    /// partmand's advisory locks on the table with `oid` (held by `pid`, or by anyone).
    private func advisoryLocks(_ fixture: DaemonFixture, oid: Int64, pid: Int?) throws -> Int {
        try fixture.schema.run(
            """
            SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND classid = \(0x7061_7274) AND objid = \(oid) AND granted
            \(pid.map { "AND pid = \($0)" } ?? "")
            """
        ).rows[0].int("n")
    }

    // MARK: - SIGUSR1

    @Test("stderr a pipe nobody reads any more: the log lines are dropped, the service goes on")
    func closedStderr() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"], schedule: ["run_on_start": "false"]), errorToClosedPipe: true)
        defer { daemon.stop() }

        // Start-up already logged into the closed pipe (the version line); SIGPIPE would have ended it.
        try #require(try daemon.waitFor("READY=1") { $0.isReady } != nil)
        for round in 1...2 {
            daemon.send(SIGUSR1)
            let done = try #require(try daemon.waitFor("STATUS: pass \(round) done") { Self.okCounts($0) != nil })
            #expect(Self.okCounts(done)?.created == (round == 1 ? Self.initialPartitions : 0))
        }
        #expect(kill(daemon.pid, 0) == 0, "the service is still running")
        #expect(try fixture.partitionCount("events") == Self.initialPartitions)
    }

    @Test("SIGUSR1 runs a pass now")
    func passOnSIGUSR1() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        try fixture.createParent("events")
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"], schedule: ["run_on_start": "false"]))
        defer { daemon.stop() }

        let ready = try #require(try daemon.waitFor("READY=1") { $0.isReady })
        #expect(ready.status?.contains("; no pass yet") == true && ready.status?.hasPrefix("partmand ") == true)
        // Nothing runs by itself (the next run is an hour away).
        let quiet = try daemon.collect(for: .milliseconds(1500))
        #expect(quiet.isEmpty, "messages while idle: \(quiet)\nstderr:\n\(daemon.stderr)")
        #expect(try fixture.partitionCount("events") == 0)

        daemon.send(SIGUSR1)
        let running = try #require(
            try daemon.waitFor("STATUS: pass running") { $0.status?.hasPrefix("pass running (SIGUSR1)") == true })
        #expect(!running.isReady)
        let done = try #require(try daemon.waitFor("STATUS: last pass") { Self.okCounts($0) != nil })
        #expect(Self.okCounts(done)?.created == Self.initialPartitions)
        #expect(try fixture.partitionCount("events") == Self.initialPartitions)
        #expect(daemon.stderr.contains("SIGUSR1: running a pass now"))

        // Again: the table is complete, nothing to create.
        daemon.send(SIGUSR1)
        let again = try #require(try daemon.waitFor("STATUS: second pass") { Self.okCounts($0) != nil })
        #expect(Self.okCounts(again)?.created == 0)
        #expect(daemon.waitForLog("SIGUSR1: running a pass now", count: 2))
    }

    // MARK: - Database down

    @Test("database down at start: READY=1 anyway, STATUS says unreachable, retries, SIGTERM exits 0")
    func databaseDown() throws {
        let fixture = try DaemonFixture()
        defer { fixture.drop() }
        let nowhere = "host=/tmp/partmand-nowhere-\(UUID().uuidString.prefix(8)) port=1 user=postgres dbname=postgres"
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"], conninfo: nowhere, schedule: ["retry_after": "1s"]))
        defer { daemon.stop() }

        let ready = try #require(try daemon.waitFor("READY=1") { $0.isReady })
        #expect(ready.status?.contains("; no pass yet") == true && ready.status?.hasPrefix("partmand ") == true)
        let failed = try #require(
            try daemon.waitFor("STATUS: unreachable") { $0.status?.contains("database unreachable") == true })
        let status = try #require(failed.status)
        #expect(status.hasPrefix("last pass "), "STATUS=\(status)")
        #expect(status.contains("failed: database unreachable ("), "STATUS=\(status)")
        #expect(status.contains("; retry "), "STATUS=\(status)")

        // It keeps running and retries on its own (after 1 s, then 2 s).
        #expect(daemon.waitForLog("database unreachable", count: 2, timeout: .seconds(8)), "stderr:\n\(daemon.stderr)")
        #expect(daemon.isRunning)
        // The pass summary says why, rather than "0 tables, 0 failed".
        #expect(daemon.stderr.contains("pass failed: database unreachable"), "stderr:\n\(daemon.stderr)")
        #expect(!daemon.stderr.contains("0 tables"), "stderr:\n\(daemon.stderr)")

        daemon.send(SIGTERM)
        try daemon.waitFor("STOPPING=1", timeout: .seconds(5)) { $0["STOPPING"] == "1" }
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0, "stderr:\n\(daemon.stderr)")
    }

    // MARK: - Helpers

    /// CLOCK_MONOTONIC in µs, the clock of MONOTONIC_USEC.
    /// A daemon over one table, `events` (created here), that runs no pass at start, once it is READY.
    static func readyDaemonWithoutStartPass(_ fixture: DaemonFixture) throws -> DaemonProcess {
        try fixture.createParent("events")
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"], schedule: ["run_on_start": "false"]))
        do {
            try daemon.waitFor("READY=1") { $0.isReady }
        } catch {
            daemon.stop()
            throw error
        }
        return daemon
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
