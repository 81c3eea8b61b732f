import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `partmand run` with `metrics.listen`: /metrics and /healthz of the real binary after real passes
/// against the test server, read over loopback.
@Suite("partmand run: /metrics and /healthz (integration)", .serialized)
struct MetricsIntegrationTests {
    /// `config` with a `metrics:` section listening on `listen`.
    static func withMetrics(_ config: String, _ listen: String) -> String {
        config + "metrics:\n  listen: \(DaemonFixture.quoted(listen))\n"
    }

    /// GETs `path` until `accept` holds for the response, up to `timeout`; the last response.
    static func poll(
        _ path: String, port: Int, timeout: Duration = .seconds(30), until accept: (String) -> Bool
    ) -> String? {
        let deadline = ContinuousClock.now + timeout
        var last: String?
        while ContinuousClock.now < deadline {
            last = try? RawHTTP.get(path, port: port)
            if let last, accept(last) { return last }
            usleep(100_000)
        }
        return last
    }

    @Test("metric values after real passes; /healthz 503 for a failing table, 200 once its retry succeeds")
    func valuesAndHealthFlip() throws {
        let fixture = try DaemonFixture("metrics")
        defer { fixture.drop() }
        try fixture.createParent("events")
        try fixture.createParent("orders")
        // A row far in the past, in a default partition made by hand: no partition will take it.
        let events = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_default")) PARTITION OF \(events) DEFAULT")
        try fixture.schema.run("INSERT INTO \(events) (received_at) VALUES ('2001-01-01T00:00:00Z')")
        // orders fails: another session holds it (lock_timeout 300 ms, one retry).
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("orders"), fixture.conninfo)
        defer { blocker.close() }
        let port = try freeLoopbackPort()
        let daemon = try DaemonProcess(
            config: Self.withMetrics(
                fixture.config(
                    tables: ["events", "orders"], schedule: ["retry_after": "2s"],
                    maintenance: ["lock_timeout": "300ms", "retries": "1", "backoff": "100ms"]),
                "127.0.0.1:\(port)"))
        defer { daemon.stop() }

        try daemon.waitFor("STATUS: last pass") { $0.status?.hasPrefix("last pass") == true }
        let failing = try #require(try? RawHTTP.get("/healthz", port: port))
        #expect(failing.httpStatus == 503, "\(failing)")
        #expect(failing.httpBody.contains(#""table":"\#(fixture.name("orders"))""#), "\(failing)")
        #expect(failing.httpBody.contains(#""sqlstate":"55P03""#), "\(failing)")
        #expect(!failing.httpBody.contains(fixture.name("events")), "\(failing)")
        // The check command says the same: exit 2 (CRITICAL), the JSON on stdout.
        let check = try ChildProcess.run(
            try DaemonProcess.executable(), ["healthz", "--listen", "127.0.0.1:\(port)"])
        #expect(check.status == 2, "\(check)")
        #expect(check.output.contains("55P03"), "\(check)")

        let text = try #require(try? RawHTTP.get("/metrics", port: port)).httpBody
        let metrics = try PrometheusSamples(parsing: text)
        let eventsLabel = ["table": fixture.name("events")]
        let ordersLabel = ["table": fixture.name("orders")]
        let created = try fixture.partitionCount("events") - 1  // the default one was made by hand
        #expect(created >= 3)
        #expect(
            metrics.value("partmand_table_actions_total", eventsLabel.merging(["kind": "created"]) { $1 })
                == Double(created), "\(text)")
        #expect(metrics.value("partmand_table_default_rows", eventsLabel) == 1)
        #expect(metrics.value("partmand_table_partitions_ahead", eventsLabel) == 2)
        #expect(metrics.value("partmand_table_premake_missing", eventsLabel) == 0)
        #expect(metrics.value("partmand_table_last_attempt_ok", eventsLabel) == 1)
        #expect(metrics.value("partmand_table_last_attempt_ok", ordersLabel) == 0)
        #expect(
            metrics.value("partmand_table_failures_total", ordersLabel.merging(["sqlstate_class": "55"]) { $1 }) == 1,
            "\(text)")
        #expect((metrics.value("partmand_table_lock_retries_total", ordersLabel) ?? 0) >= 1, "\(text)")
        #expect(metrics.value("partmand_passes_total", ["result": "failed"]) == 1)
        #expect(metrics.value("partmand_build_info") == 1)
        #expect((metrics.value("partmand_last_pass_end_timestamp_seconds") ?? 0) > 1_700_000_000)
        #expect(metrics.value("partmand_last_pass_success_timestamp_seconds") == 0)
        #expect((metrics.value("partmand_scheduler_next_run_timestamp_seconds") ?? 0) > Date().timeIntervalSince1970)
        #expect(metrics.value("partmand_scheduler_up") == 1)
        #expect(metrics.value("partmand_pass_duration_seconds_count") == 1)

        // The blocker lets go; the retry (2 s later) succeeds and /healthz is 200 again.
        try blocker.execute("ROLLBACK", purpose: "unblock")
        let recovered = Self.poll("/healthz", port: port) { $0.httpStatus == 200 }
        #expect(recovered?.httpStatus == 200, "\(recovered ?? "no answer")\nstderr:\n\(daemon.stderr)")
        let after = try PrometheusSamples(parsing: try #require(try? RawHTTP.get("/metrics", port: port)).httpBody)
        #expect(after.value("partmand_table_last_attempt_ok", ordersLabel) == 1)
        #expect(after.value("partmand_table_failures_total", ordersLabel.merging(["sqlstate_class": "55"]) { $1 }) == 1)
        #expect(
            (after.value("partmand_table_actions_total", ordersLabel.merging(["kind": "created"]) { $1 }) ?? 0) >= 3)
        #expect(after.value("partmand_passes_total", ["result": "ok"]) == 1)
        #expect(
            try ChildProcess.run(try DaemonProcess.executable(), ["healthz", "--listen", "127.0.0.1:\(port)"]).status
                == 0)

        daemon.send(SIGTERM)
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0, "stderr:\n\(daemon.stderr)")
        #expect(throws: RawHTTPError.self) { try RawHTTP(port: port) }
        // Nobody listens any more: UNKNOWN.
        let gone = try ChildProcess.run(try DaemonProcess.executable(), ["healthz", "--listen", "127.0.0.1:\(port)"])
        #expect(gone.status == 3, "\(gone)")
    }

    @Test("database unreachable: /healthz is 503 naming every table, without the conninfo's password")
    func unreachableHidesPassword() throws {
        let fixture = try DaemonFixture("metrics")
        defer { fixture.drop() }
        let secret = "s3cret-\(UUID().uuidString.prefix(6))"
        let nowhere = "host=127.0.0.1 port=1 user=partmand password=\(secret) dbname=app"
        let port = try freeLoopbackPort()
        let daemon = try DaemonProcess(
            config: Self.withMetrics(fixture.config(tables: ["events"], conninfo: nowhere), "127.0.0.1:\(port)"))
        defer { daemon.stop() }
        try daemon.waitFor("STATUS: unreachable") { $0.status?.contains("database unreachable") == true }
        let health = try #require(Self.poll("/healthz", port: port) { $0.httpStatus == 503 })
        #expect(health.httpBody.contains(fixture.name("events")), "\(health)")
        #expect(!health.contains(secret))
        let metrics = try #require(try? RawHTTP.get("/metrics", port: port))
        #expect(!metrics.contains(secret))
        #expect(metrics.contains(#"partmand_passes_total{result="unreachable"} 1"#), "\(metrics)")
    }

    @Test("SIGHUP with a new address rebinds; an unbindable one is logged and the old one kept")
    func rebindOnReload() throws {
        let fixture = try DaemonFixture("metrics")
        defer { fixture.drop() }
        try fixture.createParent("events")
        let first = try freeLoopbackPort()
        let config = fixture.config(tables: ["events"])
        let daemon = try DaemonProcess(config: Self.withMetrics(config, "127.0.0.1:\(first)"))
        defer { daemon.stop() }
        try daemon.waitFor("READY=1") { $0.isReady }
        #expect(try RawHTTP.get("/metrics", port: first).httpStatus == 200)

        let second = try freeLoopbackPort()
        try daemon.rewriteConfig(Self.withMetrics(config, "127.0.0.1:\(second)"))
        daemon.send(SIGHUP)
        try daemon.waitFor("READY=1 after the reload") { $0.isReady }
        #expect(try RawHTTP.get("/healthz", port: second).httpStatus != nil, "stderr:\n\(daemon.stderr)")
        #expect(throws: RawHTTPError.self) { try RawHTTP(port: first) }

        // TEST-NET-1 is no address of this host: the bind fails; the daemon says so and keeps serving.
        try daemon.rewriteConfig(Self.withMetrics(config, "192.0.2.1:\(second)"))
        daemon.send(SIGHUP)
        try daemon.waitFor("READY=1 after the second reload") { $0.isReady }
        #expect(daemon.waitForLog("cannot listen on 192.0.2.1:\(second)"), "stderr:\n\(daemon.stderr)")
        #expect(daemon.stderr.contains("still serving on 127.0.0.1:\(second)"), "stderr:\n\(daemon.stderr)")
        #expect(try RawHTTP.get("/healthz", port: second).httpStatus != nil)
        #expect(daemon.isRunning)

        // Removed from the configuration: no longer served.
        try daemon.rewriteConfig(config)
        daemon.send(SIGHUP)
        try daemon.waitFor("READY=1 after the third reload") { $0.isReady }
        #expect(throws: RawHTTPError.self) { try RawHTTP(port: second) }
    }

    @Test("wrk hammering /metrics and /healthz during a pass does not cost a watchdog ping")
    func loadDoesNotStarveTheWatchdog() throws {
        let wrk = try #require(
            ["/usr/bin/wrk", "/usr/local/bin/wrk"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "wrk is missing: scripts/install-deps installs it")
        let fixture = try DaemonFixture("metrics")
        defer { fixture.drop() }
        try fixture.createParent("events")
        // The pass waits for a lock another session holds (lock_timeout 30 s): it runs throughout.
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("events"), fixture.conninfo)
        defer { blocker.close() }
        let port = try freeLoopbackPort()
        let daemon = try DaemonProcess(
            config: Self.withMetrics(
                fixture.config(tables: ["events"], maintenance: ["lock_timeout": "30s", "statement_timeout": "60s"]),
                "127.0.0.1:\(port)"),
            environment: ["WATCHDOG_USEC": "2000000"])
        defer { daemon.stop() }
        try daemon.waitFor("STATUS: pass running") { $0.status?.hasPrefix("pass running") == true }

        // Bounded: 2 threads, 32 connections (twice the server's limit: the extra ones are refused),
        // 5 seconds, on loopback.
        let load = try SpawnedProcess(
            wrk, ["-t2", "-c32", "-d5s", "--timeout", "5s", "http://127.0.0.1:\(port)/metrics"])
        defer { load.removeFiles() }
        let window = try daemon.collect(for: .seconds(5))
        #expect(load.wait(timeout: .seconds(30)) == 0, "wrk: \(load.errors)")
        let report = String(decoding: load.output, as: UTF8.self)
        let requests = report.firstMatch(of: /(\d+) requests in/).map { Int($0.1)! } ?? 0
        #expect(requests > 0, "wrk: \(report)")

        let pings = window.filter(\.isWatchdogPing)
        // One ping a second is due; a missed one would show as a "not pinging" line.
        #expect(pings.count >= 3, "pings during the load: \(pings.count)\nwrk: \(report)\nstderr:\n\(daemon.stderr)")
        #expect(!daemon.stderr.contains("not pinging the watchdog"), "stderr:\n\(daemon.stderr)")
        #expect(!window.contains { $0.status?.hasPrefix("last pass") == true }, "the pass was not running")
        // Served again once wrk's connections are gone (they may still fill the slots a moment).
        #expect(Self.poll("/healthz", port: port) { $0.httpStatus == 200 }?.httpStatus == 200)
        try blocker.execute("ROLLBACK", purpose: "unblock")
    }
}
