import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The service's share of "a pass finishes what it starts or leaves what the next one finds".
@Suite("partmand run: stopping mid-retirement, the real clock only")
struct DaemonSafetyTests {
    /// With `pendingBefore`, an earlier detach was interrupted and partmand runs `DETACH … FINALIZE`;
    /// without, partmand's own `DETACH … CONCURRENTLY` is interrupted by the stop, and it must not
    /// then run its FINALIZE fallback.
    @Test(
        "SIGTERM while a concurrent detach or its FINALIZE waits: cancelled, exit 0 in time, nothing left running, finished next time",
        arguments: [true, false])
    func stopDuringDetach(pendingBefore: Bool) throws {
        let fixture = try DaemonFixture("finalize")
        defer { fixture.drop() }
        try fixture.createParent("events")
        let parent = fixture.schema.qualified("events")
        let old = fixture.schema.qualified("events_old")
        try fixture.schema.run(
            "CREATE TABLE \(old) PARTITION OF \(parent) FOR VALUES FROM ('2020-01-01+00') TO ('2020-02-01+00')")
        try fixture.schema.run("INSERT INTO \(parent) (received_at) VALUES ('2020-01-15+00')")
        // An old snapshot makes a concurrent detach wait; a short lock_timeout leaves it pending detach.
        let reader = try TestServer.connect(fixture.conninfo)
        defer { reader.close() }
        try reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ", purpose: "old snapshot")
        try reader.query("SELECT count(*) FROM \(parent)", purpose: "old snapshot")
        if pendingBefore {
            let detacher = try TestServer.connect(fixture.conninfo)
            try detacher.execute("SET lock_timeout = '300ms'", purpose: "short timeout")
            #expect(throws: PostgresError.self) {
                try detacher.execute(
                    "ALTER TABLE \(parent) DETACH PARTITION \(old) CONCURRENTLY", purpose: "interrupted")
            }
            detacher.close()
        }

        // The reader still holds its snapshot: partmand's detach (or FINALIZE) waits for it.
        let daemon = try DaemonProcess(
            config: fixture.config(
                tables: ["events"], schedule: ["shutdown_timeout": "10s"],
                maintenance: ["statement_timeout": "120s"], interval: "monthly",
                tableKeys: ["retention: 6 months", "default_partition: false"]))
        defer { daemon.stop() }
        try daemon.waitFor("READY=1") { $0.isReady }
        var finalizing: Int?
        let deadline = ContinuousClock.now + .seconds(30)
        while finalizing == nil, ContinuousClock.now < deadline {
            finalizing = try fixture.schema.run(
                """
                SELECT pid FROM pg_stat_activity
                WHERE application_name LIKE 'partmand%' AND query LIKE '%\(fixture.schema.name)%DETACH PARTITION%'
                  AND state = 'active' AND pid <> pg_backend_pid()
                """
            ).rows.first.map { try $0.int("pid") }
            if finalizing == nil { usleep(50_000) }
        }
        let backend = try #require(finalizing, "partmand never detached; stderr:\n\(daemon.stderr)")

        let stopAt = ContinuousClock.now
        daemon.send(SIGTERM)
        let status = daemon.waitForExit(timeout: .seconds(15))
        let took = ContinuousClock.now - stopAt

        #expect(status == 0, "exit \(String(describing: status)) after \(took); stderr:\n\(daemon.stderr)")
        #expect(took < .seconds(10), "stopping took \(took), past shutdown_timeout")
        var idle = false
        let idleBy = ContinuousClock.now + .seconds(10)
        while !idle, ContinuousClock.now < idleBy {
            idle = try fixture.schema.run(
                "SELECT 1 FROM pg_stat_activity WHERE pid = \(backend) AND query LIKE '%DETACH PARTITION%' AND state = 'active'"
            ).rows.isEmpty
            if !idle { usleep(50_000) }
        }
        #expect(idle, "a detach still runs in backend \(backend); stderr:\n\(daemon.stderr)")
        #expect(
            try fixture.schema.run(
                "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = \(0x7061_7274) AND objid = \(try fixture.oid("events"))"
            ).rows.isEmpty)

        // The next pass finishes the retirement once the reader is gone.
        try reader.execute("COMMIT", purpose: "end old snapshot")
        let next = try DaemonProcess(
            config: fixture.config(
                tables: ["events"], interval: "monthly", tableKeys: ["retention: 6 months", "default_partition: false"])
        )
        defer { next.stop() }
        let passed = try next.waitFor("STATUS after the pass", timeout: .seconds(30)) {
            $0.status?.hasPrefix("last pass") == true
        }
        #expect(passed?.status?.contains(" ok:") == true, "\(String(describing: passed?.status)); \(next.stderr)")
        #expect(try fixture.schema.run("SELECT to_regclass($1) AS t", [.text(old)]).rows[0]["t"] == nil)
    }

    @Test("PARTMAND_NOW is ignored by run, with a warning: passes use the real clock")
    func runIgnoresPartmandNow() throws {
        let fixture = try DaemonFixture("envnow")
        defer { fixture.drop() }
        try fixture.createParent("events")
        let daemon = try DaemonProcess(
            config: fixture.config(tables: ["events"]), environment: ["PARTMAND_NOW": "2030-01-01T00:00:00Z"])
        defer { daemon.stop() }

        try daemon.waitFor("STATUS after the pass", timeout: .seconds(30)) { $0.status?.hasPrefix("last pass") == true }

        #expect(daemon.stderr.contains("PARTMAND_NOW is ignored"), "\(daemon.stderr)")
        let covered = try fixture.schema.run(
            """
            SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
              AND now() >= (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz
              AND now() < (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz
            """, [.text(fixture.schema.qualified("events"))]
        ).rows[0].int("n")
        #expect(covered == 1, "a partition holds the real now")
    }
}
