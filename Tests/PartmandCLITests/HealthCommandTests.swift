import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

/// A test schema with a configuration file pointing partmand at it on the test server.
private final class HealthFixture {
    let schema: TestSchema
    let scratch: ScratchDirectory
    let configPath: String

    /// `tables` are created in the schema as monthly range-partitioned tables on `received_at`;
    /// `configured` lists the tables the configuration names (default: `tables`).
    init(tables: [String] = ["events"], configured: [String]? = nil) throws {
        schema = try TestSchema("health")
        scratch = try ScratchDirectory()
        for table in tables {
            try schema.run(
                "CREATE TABLE \(schema.qualified(table)) (id bigint GENERATED ALWAYS AS IDENTITY,"
                    + " received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)")
        }
        let conninfo = try TestServer.conninfo()
        // A JSON string is a YAML double-quoted scalar (slashes left alone: "\/" is not YAML 1.1).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let quoted = String(decoding: try encoder.encode(conninfo), as: UTF8.self)
        var text = "database:\n  conninfo: \(quoted)\ntables:\n"
        for table in configured ?? tables {
            text += """
                  - table: \(schema.name).\(table)
                    column: received_at
                    interval: monthly
                    premake: 4
                    retention: 6 months

                """
        }
        configPath = try scratch.write("partmand.yaml", text)
    }

    deinit {
        scratch.remove()
        schema.drop()
    }

    func run(_ command: String, _ arguments: [String]) throws -> RunResult {
        try runPartmand([command, "--config", configPath] + arguments)
    }

    func table(_ name: String = "events") -> String { "\(schema.name).\(name)" }
}

@Suite("partmand health")
struct HealthCommandTests {
    static let now = "2026-11-26T10:00:00Z"

    @Test("fresh table CRITICAL (2), after once OK (0), far-future default rows WARNING (1), a year later CRITICAL")
    func lifecycle() throws {
        let fixture = try HealthFixture()
        let table = fixture.table()

        let fresh = try fixture.run("health", ["--now", Self.now])
        #expect(fresh.status == 2, "\(fresh)")
        #expect(
            fresh.stdout
                == "CRITICAL \(table): no partition for now (2026-11-26T10:00:00Z); 4 of 4 partitions ahead missing;"
                + " no default partition\n", "\(fresh)")

        let once = try fixture.run("once", ["--now", Self.now])
        #expect(once.status == 0, "\(once)")

        let healthy = try fixture.run("health", ["--now", Self.now])
        #expect(healthy.status == 0, "\(healthy)")
        #expect(healthy.stdout == "OK \(table): 4 partitions ahead\n", "\(healthy)")

        // Beyond the last partition (2027-03): lands in the default partition and stays there.
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("events")) (received_at) VALUES"
                + " ('2030-01-01T00:00:00Z'), ('2030-02-03T04:05:06Z')")
        let stranded = try fixture.run("health", ["--now", Self.now])
        #expect(stranded.status == 1, "\(stranded)")
        #expect(
            stranded.stdout
                == "WARNING \(table): 2 rows in default (oldest 2030-01-01T00:00:00Z, newest 2030-02-03T04:05:06Z)\n",
            "\(stranded)")

        let yearLater = try fixture.run("health", ["--now", "2027-11-26T10:00:00Z"])
        #expect(yearLater.status == 2, "\(yearLater)")
        #expect(
            yearLater.stdout.hasPrefix("CRITICAL \(table): no partition for now (2027-11-26T10:00:00Z);"),
            "\(yearLater)")
        #expect(yearLater.stdout.contains("retention overdue: 5 partitions to retire"), "\(yearLater)")
        #expect(yearLater.stdout.contains("2 rows in default"), "\(yearLater)")

        // Read-only: nothing was created or retired by the checks.
        let partitions = try fixture.schema.run(
            "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)",
            [.text(fixture.schema.qualified("events"))]
        ).rows[0]
        #expect(partitions["n"] == "6")
    }

    @Test("--json: overall status, now, and each table's status and problems")
    func json() throws {
        let fixture = try HealthFixture(tables: ["events", "other"])
        #expect(try fixture.run("once", ["--now", Self.now, "--table", fixture.table("events")]).status == 0)

        let result = try fixture.run("health", ["--now", Self.now, "--json"])
        #expect(result.status == 2, "\(result)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(object["status"] as? String == "critical")
        #expect(object["now"] as? String == Self.now)
        let tables = try #require(object["tables"] as? [[String: Any]])
        // Worst first.
        #expect(tables.map { $0["table"] as? String } == [fixture.table("other"), fixture.table("events")])
        #expect(tables.map { $0["status"] as? String } == ["critical", "ok"])
        #expect(tables[1]["problems"] as? [String] == [])
        let problems = try #require(tables[0]["problems"] as? [String])
        #expect(problems.first == "no partition for now (2026-11-26T10:00:00Z)", "\(problems)")

        // --table narrows the check to the healthy table.
        let one = try fixture.run("health", ["--now", Self.now, "--json", "--table", fixture.table("events")])
        #expect(one.status == 0, "\(one)")
        #expect(one.stdout.contains("\"status\" : \"ok\""), "\(one)")
        #expect(!one.stdout.contains(fixture.table("other")), "\(one)")
    }

    @Test("a table that is missing or not partitioned is CRITICAL; the others are still checked")
    func unreadable() throws {
        let fixture = try HealthFixture(tables: ["events"], configured: ["events", "missing", "plain"])
        try fixture.schema.run("CREATE TABLE \(fixture.schema.qualified("plain")) (received_at timestamptz)")
        #expect(try fixture.run("once", ["--now", Self.now, "--table", fixture.table("events")]).status == 0)

        let result = try fixture.run("health", ["--now", Self.now])
        #expect(result.status == 2, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        // Worst first, in configuration order within a status.
        #expect(lines.count == 3, "\(result)")
        #expect(lines.first == "CRITICAL \(fixture.table("missing")): table does not exist", "\(result)")
        #expect(
            lines.dropFirst().first?.hasPrefix("CRITICAL \(fixture.table("plain")): not a partitioned table") == true,
            "\(result)")
        #expect(lines.last == "OK \(fixture.table("events")): 4 partitions ahead", "\(result)")
    }

    @Test("an unreachable database exits 69")
    func unreachable() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write(
            "partmand.yaml",
            """
            database:
              conninfo: host=127.0.0.1 port=1 connect_timeout=2 password=s3cret
            tables:
              - table: public.webhook_events
                column: received_at
                interval: monthly

            """)
        for arguments in [["health"], ["health", "--json"]] {
            let result = try runPartmand(arguments + ["--config", path])
            #expect(result.status == 69, "\(result)")
            #expect(result.stderr.contains("database unreachable"), "\(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
        }
    }

    @Test("bad configuration exits 78, bad --now and unknown --table exit 64")
    func usage() throws {
        let missing = try runPartmand(["health", "--config", "/nonexistent/partmand.yaml"])
        #expect(missing.status == 78, "\(missing)")

        let badNow = try runPartmand(["health", "--config", "/nonexistent/partmand.yaml", "--now", "soon"])
        #expect(badNow.status == 64, "\(badNow)")
        #expect(badNow.stderr.contains("cannot read 'soon' as an ISO-8601 instant"), "\(badNow)")

        let fixture = try HealthFixture()
        let unknown = try fixture.run("health", ["--table", "public.nope"])
        #expect(unknown.status == 64, "\(unknown)")
        #expect(unknown.stderr.contains("table 'public.nope' is not in the configuration"), "\(unknown)")
    }

    @Test("health --help explains the statuses and exit codes")
    func help() throws {
        let result = try runPartmand(["health", "--help"])
        #expect(result.status == 0, "\(result)")
        for text in [
            "--table <schema.table>", "--now <instant>", "--json", "no DDL, no advisory locks", "0 all tables OK",
            "1 some WARNING", "2 some CRITICAL", "69 database unreachable", "78 bad configuration",
            "not a running partmand process",
        ] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
        let top = try runPartmand(["--help"])
        #expect(top.stdout.contains("health"), "\(top)")
    }
}
