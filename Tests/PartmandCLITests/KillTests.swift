import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` of a `partmand once` in the middle of its work: its backend must end promptly (not hold
/// the table's advisory lock until its timeouts), and what it left half done must be seen by `plan`
/// and `health` and finished by the next pass.
@Suite("kill -9 mid-pass")
struct KillTests {
    /// The backend of a partmand session running a statement that matches `pattern` and waits for a lock.
    private func waitingBackend(_ fixture: CLIFixture, _ pattern: String) throws -> Int? {
        try fixture.schema.run(
            """
            SELECT pid FROM pg_stat_activity
            WHERE application_name LIKE 'partmand%' AND wait_event_type = 'Lock' AND query LIKE $1
            """, [.text(pattern)]
        ).rows.first.map { try $0.int("pid") }
    }

    private func backendGone(_ fixture: CLIFixture, _ pid: Int) throws -> Bool {
        try fixture.schema.run("SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", [.text(String(pid))]).rows.isEmpty
    }

    @Test("during DETACH … CONCURRENTLY: the backend ends, plan and health see it, the next pass archives all 744 rows")
    func killDuringConcurrentDetach() throws {
        let fixture = try CLIFixture("killdetach")
        let parent = fixture.schema.qualified("pd_t")
        let archive = fixture.schema.name + "_arch"
        defer { _ = try? fixture.schema.run("DROP SCHEMA IF EXISTS \(SQL.identifier(archive)) CASCADE") }
        try fixture.schema.run(
            "CREATE TABLE \(parent) (id bigint GENERATED ALWAYS AS IDENTITY, received_at timestamptz NOT NULL)"
                + " PARTITION BY RANGE (received_at)")
        // Monthly partitions from August 2026 until well after now, no default; one row an hour in August.
        try fixture.schema.run(
            """
            DO $$ DECLARE m date; BEGIN
              FOR m IN SELECT generate_series('2026-08-01'::date, date_trunc('month', now())::date + 365, '1 month') LOOP
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.pd_t FOR VALUES FROM (%L) TO (%L)',
                  '\(fixture.schema.name)', 'pd_t_' || to_char(m, 'YYYYMM'), '\(fixture.schema.name)',
                  m::timestamptz, (m + interval '1 month')::timestamptz);
              END LOOP;
            END $$
            """)
        try fixture.schema.run(
            "INSERT INTO \(parent) (received_at) SELECT '2026-08-01+00'::timestamptz + n * interval '1 hour'"
                + " FROM generate_series(0, 743) AS n")
        // Retire what ended more than two months ago (August, at least) into the archive schema.
        try fixture.configure(
            maintenance: ["statement_timeout": "120s"],
            tables: [
                "pd_t": [
                    "column: received_at", "interval: monthly", "premake: 4", "retention: 2 months",
                    "retention_action: archive", "archive_schema: \(archive)", "default_partition: false",
                ]
            ])
        // A reader with an old snapshot makes the second phase of the concurrent detach wait.
        let reader = try TestServer.connect()
        defer { reader.close() }
        try reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ", purpose: "old snapshot")
        try reader.query("SELECT count(*) FROM \(parent)", purpose: "old snapshot")

        let once = try fixture.spawn(["once"])
        defer { once.removeFiles() }
        var backend: Int?
        _ = try fixture.waitUntil(seconds: 30) {
            backend = try waitingBackend(fixture, "%DETACH PARTITION%CONCURRENTLY%")
            return backend != nil
        }
        let pid = try #require(backend, "partmand never waited in its detach; stderr:\n\(once.errors)")
        _ = once.kill()

        // The orphaned backend notices its client is gone (client_connection_check_interval) and ends,
        // leaving the partition pending detach, or, if it won the race, detached.
        #expect(try fixture.waitUntil(seconds: 30) { try backendGone(fixture, pid) }, "backend \(pid) lives on")
        let plan = try fixture.run(["plan"])
        #expect(plan.stdout.contains("unfinished retirement"), "\(plan)")
        let health = try fixture.run(["health"])
        #expect(health.status == 1, "\(health)")
        #expect(health.stdout.contains("unfinished retirement"), "\(health)")

        try reader.execute("COMMIT", purpose: "end old snapshot")
        let rerun = try fixture.run(["once"])

        #expect(rerun.status == 0, "\(rerun)")
        #expect(try fixture.count("SELECT count(*)::int AS n FROM \(SQL.qualified(archive, "pd_t_202608"))") == 744)
        #expect(
            try fixture.count(
                "SELECT count(*)::int AS n FROM partmand.retirement WHERE parent_schema = $1",
                [.text(fixture.schema.name)]) == 0)
        let after = try fixture.run(["health"])
        #expect(!after.stdout.contains("unfinished retirement"), "\(after)")
    }

    @Test("while waiting for a lock to create a partition: the backend and its advisory lock go, a rerun works")
    func killWhileWaitingForALock() throws {
        let fixture = try CLIFixture("killlock")
        let parent = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(parent) (id bigint GENERATED ALWAYS AS IDENTITY, received_at timestamptz NOT NULL)"
                + " PARTITION BY RANGE (received_at)")
        try fixture.configure(
            maintenance: ["lock_timeout": "60s", "statement_timeout": "120s"],
            tables: ["events": ["column: received_at", "interval: monthly", "premake: 2"]])
        let blocker = try TestServer.holdingAccessExclusive(parent)
        defer { blocker.close() }

        let once = try fixture.spawn(["once"])
        defer { once.removeFiles() }
        var backend: Int?
        _ = try fixture.waitUntil(seconds: 30) {
            backend = try waitingBackend(fixture, "%")
            return backend != nil
        }
        let pid = try #require(backend, "partmand never waited for the lock; stderr:\n\(once.errors)")
        _ = once.kill()

        // Well before its 60 s lock_timeout, the backend is gone and the table's advisory lock with it.
        #expect(try fixture.waitUntil(seconds: 20) { try backendGone(fixture, pid) }, "backend \(pid) lives on")
        try blocker.execute("COMMIT", purpose: "blocker")
        let rerun = try fixture.run(["once"])
        #expect(rerun.status == 0, "\(rerun)")
        #expect(!rerun.stdout.contains("skipped"), "\(rerun)")
        #expect(rerun.stdout.contains("created"), "\(rerun)")
    }

    @Test("health: a table lock held longer than health.held_lock_warning is a WARNING naming the holder")
    func heldLockIsAWarning() throws {
        let fixture = try CLIFixture("heldlock")
        let parent = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(parent) (id bigint GENERATED ALWAYS AS IDENTITY, received_at timestamptz NOT NULL)"
                + " PARTITION BY RANGE (received_at)")
        try fixture.configure(tables: ["events": ["column: received_at", "interval: monthly", "premake: 2"]])
        try #require(try fixture.run(["once"]).status == 0)
        let text = try String(contentsOfFile: fixture.configPath, encoding: .utf8)
        try (text + "health:\n  held_lock_warning: 1s\n").write(
            toFile: fixture.configPath, atomically: true, encoding: .utf8)
        // A session that took the table's lock (as a hung or orphaned partmand would) and sits on it.
        let holder = try TestServer.connect()
        defer { holder.close() }
        try holder.query(
            "SELECT pg_advisory_lock(($1::int8 << 32) | to_regclass($2)::oid::int8)",
            [.text(String(0x7061_7274)), .text(parent)], purpose: "hold the table lock")
        Thread.sleep(forTimeInterval: 2)

        let health = try fixture.run(["health"])
        // A table with nothing to do is never locked; one with work is skipped while the lock is held.
        let steady = try fixture.run(["once"])
        try fixture.schema.run(
            "DROP TABLE \(fixture.schema.qualified(try #require(try fixture.partitionNames("events").last)))")
        let once = try fixture.run(["once"])

        #expect(health.status == 1, "\(health)")
        #expect(steady.status == 0 && steady.stdout.contains("ok: 0 created"), "\(steady)")
        #expect(health.stdout.contains("locked for longer than 1 s"), "\(health)")
        #expect(health.stdout.contains("pid \(holder.backendPID)"), "\(health)")
        #expect(once.status == 0, "\(once)")
        #expect(once.stdout.contains("skipped: locked by another partmand (pid \(holder.backendPID)"), "\(once)")
    }
}
