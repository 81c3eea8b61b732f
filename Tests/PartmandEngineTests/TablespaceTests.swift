import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `CREATE TABLE … PARTITION OF` puts new partitions in the parent's tablespace; `LIKE` does not, so
/// partmand names it.
@Suite struct TablespaceTests {
    @Test func newPartitionsGoToTheParentsTablespace() throws {
        let fixture = try EngineFixture("tablespace")
        let tablespace = TestServer.uniqueName("ts")
        let directory = "/tmp/partmand-\(tablespace)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The test server runs as `postgres` when the tests run as root (scripts/throwaway-pg).
        if getuid() == 0, let postgres = getpwnam("postgres") {
            #expect(chown(directory, postgres.pointee.pw_uid, postgres.pointee.pw_gid) == 0)
        }
        let create = try fixture.schema.run(
            "SELECT format('CREATE TABLESPACE %I LOCATION %L', $1::text, $2::text) AS sql",
            [.text(tablespace), .text(directory)]
        ).rows[0]["sql"]!
        try fixture.schema.run(create)
        defer {
            _ = try? fixture.schema.run("DROP TABLE IF EXISTS \(fixture.schema.qualified("events")) CASCADE")
            _ = try? fixture.schema.run("DROP TABLESPACE \(SQL.identifier(tablespace))")
        }
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events")) (received_at timestamptz NOT NULL)"
                + " PARTITION BY RANGE (received_at) TABLESPACE \(SQL.identifier(tablespace))")

        let report = fixture.pass([fixture.spec("events", premake: 2)], at: "2026-11-26T10:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        let placed = try fixture.schema.run(
            """
            SELECT count(*) FILTER (WHERE t.spcname = $2)::int AS inside, count(*)::int AS total
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
            WHERE i.inhparent = to_regclass($1)
            """, [.text(fixture.schema.qualified("events")), .text(tablespace)]
        ).rows[0]
        #expect(placed["total"] == "4")
        #expect(placed["inside"] == "4")
    }
}
