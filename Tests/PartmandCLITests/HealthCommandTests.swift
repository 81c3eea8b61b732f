import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

/// A test schema with a configuration file pointing partmand at it on the test server.
private final class HealthFixture {
    let schema: TestSchema
    let scratch: ScratchDirectory
    private(set) var configPath = ""
    private let configured: [String]

    /// `tables` are created in the schema as monthly range-partitioned tables on `received_at`;
    /// `configured` lists the tables the configuration names (default: `tables`).
    init(tables: [String] = ["events"], configured: [String]? = nil) throws {
        schema = try TestSchema("health")
        scratch = try ScratchDirectory()
        self.configured = configured ?? tables
        for table in tables {
            try schema.run(
                "CREATE TABLE \(schema.qualified(table)) (id bigint GENERATED ALWAYS AS IDENTITY,"
                    + " received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)")
        }
        configPath = try writeConfig("partmand.yaml")
    }

    /// Writes a configuration naming the configured tables on the test server, connecting as `user`
    /// when given; returns its path.
    func writeConfig(_ name: String, user: String? = nil) throws -> String {
        let conninfo = try TestServer.conninfo() + (user.map { " user=\($0)" } ?? "")
        // A JSON string is a YAML double-quoted scalar (slashes left alone: "\/" is not YAML 1.1).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let quoted = String(decoding: try encoder.encode(conninfo), as: UTF8.self)
        var text = "database:\n  conninfo: \(quoted)\ntables:\n"
        for table in configured {
            text += """
                  - table: \(schema.name).\(table)
                    column: received_at
                    interval: monthly
                    premake: 4
                    retention: 6 months

                """
        }
        return try scratch.write(name, text)
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

    @Test(
        "a table whose default partition is locked is UNKNOWN (3), the other still checked; plan shows both")
    func lockedDefaultPartition() throws {
        let fixture = try HealthFixture(tables: ["events", "other"], configured: ["events", "other", "missing"])
        let (events, other) = (fixture.table("events"), fixture.table("other"))
        let both = ["--table", events, "--table", other]
        #expect(try fixture.run("once", ["--now", Self.now] + both).status == 0)
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("events_default"))
        defer { blocker.close() }
        defer { _ = try? blocker.execute("ROLLBACK", purpose: "unblock") }

        let health = try fixture.run("health", ["--now", Self.now] + both)
        #expect(health.status == 3, "\(health)")
        let lines = health.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(health)")
        #expect(
            lines.first?.hasPrefix("UNKNOWN \(events): could not check: count rows in default partition") == true,
            "\(health)")
        #expect(lines.first?.hasSuffix("canceling statement due to lock timeout (SQLSTATE 55P03)") == true, "\(health)")
        #expect(lines.last == "OK \(other): 4 partitions ahead", "\(health)")

        let json = try fixture.run("health", ["--now", Self.now, "--json"] + both)
        #expect(json.status == 3, "\(json)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        #expect(object["status"] as? String == "unknown")
        let tables = try #require(object["tables"] as? [[String: Any]])
        #expect(tables.map { $0["table"] as? String } == [events, other])
        #expect(tables.map { $0["status"] as? String } == ["unknown", "ok"])

        // CRITICAL wins over UNKNOWN.
        let all = try fixture.run("health", ["--now", Self.now])
        #expect(all.status == 2, "\(all)")
        #expect(
            all.stdout.split(separator: "\n").map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
                == ["CRITICAL \(fixture.table("missing")):", "UNKNOWN \(events):", "OK \(other):"], "\(all)")

        // plan: both tables, the locked one failed with 55P03, the other's actions (two months later).
        let later = ["--now", "2027-01-15T02:00:00Z"] + both
        let plan = try fixture.run("plan", later)
        #expect(plan.status == 1, "\(plan)")
        let planLines = plan.stdout.split(separator: "\n").map(String.init)
        #expect(planLines.first == "\(events): FAILED", "\(plan)")
        #expect(planLines.dropFirst().first?.hasPrefix("  error: count rows in default partition") == true, "\(plan)")
        #expect(planLines.dropFirst().first?.hasSuffix("(SQLSTATE 55P03)") == true, "\(plan)")
        #expect(planLines.dropFirst(2).first == "\(other): 2 action(s)", "\(plan)")
        #expect(planLines.dropFirst(3).allSatisfy { $0.hasPrefix("  would create ") }, "\(plan)")
        #expect(planLines.count == 5, "\(plan)")

        let planJSON = try fixture.run("plan", later + ["--json"])
        #expect(planJSON.status == 1, "\(planJSON)")
        let planObject = try #require(
            try JSONSerialization.jsonObject(with: Data(planJSON.stdout.utf8)) as? [String: Any], "\(planJSON)")
        #expect(planObject["standby"] as? Bool == false)
        let planTables = try #require(planObject["tables"] as? [[String: Any]])
        #expect(planTables.map { $0["table"] as? String } == [events, other])
        #expect(planTables.map { $0["status"] as? String } == ["failed", "ok"])
        let errors = try #require(planTables[0]["errors"] as? [[String: Any]])
        #expect(errors.map { $0["sqlstate"] as? String } == ["55P03"])
        #expect((planTables[1]["actions"] as? [Any])?.count == 2)
    }

    @Test("a default partition the role may not read is UNKNOWN (3); plan fails only that table (42501)")
    func unreadableDefaultPartition() throws {
        let fixture = try HealthFixture(tables: ["events", "other"])
        let (events, other) = (fixture.table("events"), fixture.table("other"))
        #expect(try fixture.run("once", ["--now", Self.now]).status == 0)
        // A monitoring role that may read other's default partition but not events'.
        let role = try TestRole("monitor")
        defer { role.drop() }
        let grantee = SQL.identifier(role.name)
        try fixture.schema.run("GRANT USAGE ON SCHEMA \(SQL.identifier(fixture.schema.name)) TO \(grantee)")
        try fixture.schema.run("GRANT SELECT ON \(fixture.schema.qualified("other_default")) TO \(grantee)")
        // A row in events' default partition: an empty one (zero blocks) needs no read to be counted.
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("events")) (received_at) VALUES ('2031-01-01+00')")
        let config = try fixture.writeConfig("monitor.yaml", user: role.name)

        let health = try runPartmand(["health", "--config", config, "--now", Self.now])
        #expect(health.status == 3, "\(health)")
        let lines = health.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(health)")
        #expect(lines.first?.hasPrefix("UNKNOWN \(events): could not check: ") == true, "\(health)")
        #expect(lines.first?.contains("permission denied") == true, "\(health)")
        #expect(lines.first?.hasSuffix("(SQLSTATE 42501)") == true, "\(health)")
        #expect(lines.last == "OK \(other): 4 partitions ahead", "\(health)")

        let plan = try runPartmand(["plan", "--config", config, "--now", Self.now, "--json"])
        #expect(plan.status == 1, "\(plan)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any], "\(plan)")
        let tables = try #require(object["tables"] as? [[String: Any]])
        #expect(tables.map { $0["table"] as? String } == [events, other])
        #expect(tables.map { $0["status"] as? String } == ["failed", "ok"])
        let errors = try #require(tables[0]["errors"] as? [[String: Any]])
        #expect(errors.map { $0["sqlstate"] as? String } == ["42501"])
    }

    @Test("an unreachable database is UNKNOWN (3), saying so")
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
        let text = try runPartmand(["health", "--config", path])
        #expect(text.status == 3, "\(text)")
        #expect(text.stdout.hasPrefix("UNKNOWN: database unreachable: "), "\(text)")
        #expect(text.stdout.split(separator: "\n").count == 1, "\(text)")

        let json = try runPartmand(["health", "--config", path, "--json", "--now", Self.now])
        #expect(json.status == 3, "\(json)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        #expect(object["status"] as? String == "unknown")
        #expect((object["message"] as? String)?.hasPrefix("database unreachable: ") == true, "\(json)")
        #expect(object["now"] as? String == Self.now)
        #expect((object["tables"] as? [Any])?.isEmpty == true)
        for result in [text, json] {
            #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
        }
    }

    @Test("a configuration it cannot read is UNKNOWN (3); bad --now and unknown --table exit 64")
    func usage() throws {
        let missing = try runPartmand(["health", "--config", "/nonexistent/partmand.yaml"])
        #expect(missing.status == 3, "\(missing)")
        #expect(
            missing.stdout.hasPrefix("UNKNOWN: configuration error: /nonexistent/partmand.yaml: cannot read"),
            "\(missing)")

        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let invalid = try scratch.write(
            "partmand.yaml",
            """
            database:
              conninfo: host=127.0.0.1 port=1
            tables:
              - table: public.webhook_events
                column: received_at
                interval: montly

            """)
        let bad = try runPartmand(["health", "--config", invalid])
        #expect(bad.status == 3, "\(bad)")
        #expect(bad.stdout.hasPrefix("UNKNOWN: configuration error: \(invalid):6:15: "), "\(bad)")
        let badJSON = try runPartmand(["health", "--config", invalid, "--json"])
        #expect(badJSON.status == 3, "\(badJSON)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(badJSON.stdout.utf8)) as? [String: Any], "\(badJSON)")
        #expect(object["status"] as? String == "unknown")
        #expect((object["message"] as? String)?.hasPrefix("configuration error: ") == true, "\(badJSON)")
        // Only health: plan keeps 78.
        #expect(try runPartmand(["plan", "--config", invalid]).status == 78)

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
            "1 some WARNING", "2 some CRITICAL", "3 some UNKNOWN", "database unreachable or bad configuration",
            "could not be checked", "not a running partmand process",
        ] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
        let top = try runPartmand(["--help"])
        #expect(top.stdout.contains("health"), "\(top)")
    }
}
