import Foundation
import Testing

@Suite("partmand migrate")
struct MigrateCommandTests {
    @Test("migrate --help lists its options and exit codes")
    func help() throws {
        let result = try runPartmand(["migrate", "--help"])
        #expect(result.status == 0, "\(result)")
        for text in [
            "--table <schema.table>", "--dry-run", "Exit status", "69 database unreachable", "docs/migrate.md",
        ] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
    }

    @Test("migrate needs --table")
    func needsTable() throws {
        let result = try runPartmand(["migrate"])
        #expect(result.status == 64, "\(result)")
    }

    /// A configured plain `events` table with a few rows in the past.
    private func plainTable(_ prefix: String) throws -> CLIFixture {
        let fixture = try CLIFixture(prefix)
        let events = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(events) (id bigserial, received_at timestamptz NOT NULL, PRIMARY KEY (id, received_at))")
        try fixture.schema.run(
            "INSERT INTO \(events) (received_at) SELECT now() - g * interval '1 day' FROM generate_series(1, 20) g")
        try fixture.configure(tables: ["events": ["column: received_at", "interval: monthly", "premake: 2"]])
        return fixture
    }

    private func relkind(_ fixture: CLIFixture) throws -> String? {
        try fixture.schema.run(
            "SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass($1)",
            [.text(fixture.schema.qualified("events"))]
        ).rows.first?["k"]
    }

    @Test("a dry run prints every check and the five steps, and changes nothing")
    func dryRun() throws {
        let fixture = try plainTable("migratecli")
        let table = "\(fixture.schema.name).events"

        let result = try fixture.run(["migrate", "--table", table, "--dry-run"])

        #expect(result.status == 0, "\(result)")
        for text in [
            "\(table): would migrate (dry run, nothing changed)", "history partition: FROM (MINVALUE) TO (",
            "ok: plain table", "ok: partition names are free", "step 1: ALTER TABLE", "NOT VALID",
            "step 4: create partitions of events_partmand_new", "step 5: swap in one transaction",
        ] {
            #expect(result.stdout.contains(text), "missing '\(text)' in \(result)")
        }
        #expect(!result.stdout.contains("step 6"), "\(result)")
        #expect(try relkind(fixture) == "r")
    }

    @Test("--json: the dry run's survey and the real run's verification, with stable keys")
    func json() throws {
        let fixture = try plainTable("migrateclijson")
        let table = "\(fixture.schema.name).events"

        let dry = try fixture.run(["migrate", "--table", table, "--dry-run", "--json"])

        #expect(dry.status == 0, "\(dry)")
        let before = try #require(try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any])
        #expect(before["outcome"] as? String == "would_migrate" && before["dry_run"] as? Bool == true)
        let survey = try #require(before["survey"] as? [String: Any], "\(dry)")
        #expect((survey["indexes"] as? [Any])?.count == 1 && survey["table_bytes"] is Int, "\(survey)")
        #expect(before["verification"] is NSNull)

        let real = try fixture.run(["migrate", "--table", table, "--json"])

        #expect(real.status == 0, "\(real)")
        let after = try #require(try JSONSerialization.jsonObject(with: Data(real.stdout.utf8)) as? [String: Any])
        #expect(after["outcome"] as? String == "migrated" && after["succeeded"] as? Bool == true, "\(real)")
        let verification = try #require(after["verification"] as? [String: Any])
        #expect(verification["passed"] as? Bool == true, "\(verification)")
        let counts = try #require(verification["counts"] as? [String: Any])
        #expect(counts["old_table_rows"] as? Int == 20 && counts["new_table_rows"] as? Int == 20, "\(counts)")
    }

    @Test("migrate --undo turns the migrated table back into a plain table; a second undo has nothing to do")
    func undo() throws {
        let fixture = try plainTable("migrateundocli")
        let table = "\(fixture.schema.name).events"
        #expect(try fixture.run(["migrate", "--table", table]).status == 0)

        let dry = try fixture.run(["migrate", "--table", table, "--undo", "--dry-run"])
        let result = try fixture.run(["migrate", "--table", table, "--undo"])

        #expect(dry.status == 0 && dry.stdout.contains("would undo (dry run, nothing changed)"), "\(dry)")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("\(table): undone, a plain table again"), "\(result)")
        #expect(try relkind(fixture) == "r")
        let again = try fixture.run(["migrate", "--table", table, "--undo"])
        #expect(again.status == 0 && again.stdout.contains("a plain table; nothing to undo"), "\(again)")
    }

    @Test("a refusal names the check and exits 1; nothing changes")
    func refused() throws {
        let fixture = try plainTable("migratecliref")
        let table = "\(fixture.schema.name).events"
        try fixture.schema.run("ALTER TABLE \(fixture.schema.qualified("events")) ENABLE ROW LEVEL SECURITY")

        let result = try fixture.run(["migrate", "--table", table])

        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("\(table): refused, nothing changed"), "\(result)")
        #expect(result.stdout.contains("refused: no row-level security: "), "\(result)")
        #expect(try relkind(fixture) == "r")
    }

    @Test("migrate converts the table, reports the steps done; a second run has nothing to do")
    func migrates() throws {
        let fixture = try plainTable("migrateclido")
        let table = "\(fixture.schema.name).events"

        let result = try fixture.run(["migrate", "--table", table])

        #expect(result.status == 0, "\(result)")
        for text in [
            "\(table): migrated", "done 1: ALTER TABLE", "done 5: swap in one transaction",
            "(1 existing indexes attached, none built)",
            "done 6: maintenance pass: \(table): ok: 0 created, 0 retired",
            "verification: passed", "verified ok: rows in old == rows in new: 20",
        ] {
            #expect(result.stdout.contains(text), "missing '\(text)' in \(result)")
        }
        #expect(try relkind(fixture) == "p")

        let again = try fixture.run(["migrate", "--table", table])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("\(table): already partitioned; nothing to do"), "\(again)")
    }
}
