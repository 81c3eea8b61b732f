import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

/// `kill -9` of a `partmand once` in the middle of a columnar conversion on Citus: the partition is
/// detached and converted, and its attach waits; what is left is seen by `plan` and `health` and
/// finished by the next pass, with every row back in the parent.
@Suite("kill -9 mid columnar conversion", .enabled(if: CitusServer.conninfo != nil, CitusServer.skipReason))
struct ColumnarKillTests {
    @Test func aKilledConversionIsFinishedByTheNextPass() throws {
        let coordinator: String = try #require(CitusServer.conninfo)
        let fixture = try CLIFixture("killcolumnar", conninfo: coordinator)
        let parent = fixture.schema.qualified("events")
        try fixture.schema.run("CREATE EXTENSION IF NOT EXISTS citus_columnar")
        try fixture.schema.run(
            "CREATE TABLE \(parent) (id bigint GENERATED ALWAYS AS IDENTITY, source text NOT NULL,"
                + " received_at timestamptz NOT NULL) PARTITION BY RANGE (received_at)")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_default")) PARTITION OF \(parent) DEFAULT")
        try fixture.schema.run("SELECT create_distributed_table($1, 'source')", [.text(parent)])
        // One old month, big enough that its conversion takes a moment, and partmand's usual partitions.
        let old = fixture.schema.qualified("events_old")
        try fixture.schema.run(
            "CREATE TABLE \(old) PARTITION OF \(parent) FOR VALUES FROM"
                + " (date_trunc('month', now()) - interval '6 months') TO (date_trunc('month', now()) - interval '5 months')"
        )
        try fixture.schema.run(
            "INSERT INTO \(parent) (source, received_at) SELECT 's' || (i % 50),"
                + " date_trunc('month', now()) - interval '6 months' + (i % 2000000) * interval '1 second'"
                + " FROM generate_series(1, 200000) i")
        try fixture.configure(
            maintenance: [
                "lock_timeout": "200ms", "exclusive_lock_timeout": "200ms", "retries": "100", "backoff": "200ms",
                "max_backoff": "200ms",
            ],
            tables: ["events": ["column: received_at", "interval: monthly", "columnar_after: 4 months"]])

        // As soon as the old partition is detached (its conversion under way), a session takes SHARE
        // UPDATE EXCLUSIVE on the parent: the attach that follows the conversion waits for it.
        let blocker = try TestServer.connect(fixture.conninfo)
        defer { blocker.close() }
        let once = try fixture.spawn(["once"])
        defer { once.removeFiles() }
        let detached = try fixture.waitUntil(seconds: 60) {
            try fixture.schema.run(
                "SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND NOT relispartition", [.text(old)]
            ).rows.count == 1
        }
        try #require(detached, "the old partition was never detached; stderr:\n\(once.errors)")
        try blocker.execute("BEGIN", purpose: "blocker")
        try blocker.execute("LOCK TABLE \(parent) IN SHARE UPDATE EXCLUSIVE MODE", purpose: "blocker")
        let converted = try fixture.waitUntil(seconds: 60) {
            try fixture.schema.run(
                """
                SELECT 1 FROM pg_class c JOIN pg_am a ON a.oid = c.relam
                WHERE c.oid = to_regclass($1) AND NOT c.relispartition AND a.amname = 'columnar'
                """, [.text(old)]
            ).rows.count == 1
        }
        try #require(converted, "the detached partition was never converted; stderr:\n\(once.errors)")
        _ = once.kill()

        // What is left: recorded, detached, columnar. plan says it will finish it; health warns.
        let recorded = try fixture.schema.run(
            "SELECT count(*)::int AS n FROM partmand.columnar_conversion WHERE partition_schema = $1",
            [.text(fixture.schema.name)]
        ).rows[0]
        #expect(recorded["n"] == "1")
        let plan = try fixture.run(["plan"])
        #expect(
            plan.stdout.contains("would finish converting \(old.replacingOccurrences(of: "\"", with: ""))"), "\(plan)")
        let health = try fixture.run(["health"])
        #expect(health.status == 1, "\(health)")
        #expect(health.stdout.contains("unfinished columnar conversion of"), "\(health)")

        try blocker.execute("ROLLBACK", purpose: "release the parent")
        let next = try fixture.run(["once"])
        #expect(next.status == 0, "\(next)")
        let after = try fixture.schema.run(
            """
            SELECT c.relispartition AS attached, a.amname::text AS am,
                   (SELECT count(*)::int FROM partmand.columnar_conversion WHERE partition_schema = $2) AS recorded
            FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = to_regclass($1)
            """, [.text(old), .text(fixture.schema.name)]
        ).rows[0]
        #expect(after["attached"] == "t" && after["am"] == "columnar" && after["recorded"] == "0")
        #expect(try fixture.count("SELECT count(*)::int AS n FROM \(parent)") == 200_000)
    }
}
