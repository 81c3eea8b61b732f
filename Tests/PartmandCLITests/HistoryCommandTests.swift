import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

/// `history:` through the commands: `setup` creates the table, `once` records into it, and a missing
/// table is one warning while maintenance goes on.
@Suite("partmand setup and once with a run history")
struct HistoryCommandTests {
    /// A table `events` and `history: { table: <schema>.maintenance_log }`.
    private func configured(_ prefix: String) throws -> CLIFixture {
        let fixture = try CLIFixture(prefix)
        for table in ["events", "orders"] {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(table)) (id bigint GENERATED ALWAYS AS IDENTITY,"
                    + " received_at timestamptz NOT NULL) PARTITION BY RANGE (received_at)")
        }
        try fixture.configure(
            tables: [
                "events": ["column: received_at", "interval: monthly", "premake: 2"],
                "orders": ["column: received_at", "interval: monthly", "premake: 2"],
            ],
            sections: ["history:", "  table: \(fixture.schema.name).maintenance_log", "  retention: 6 months"])
        return fixture
    }

    private func historyRows(_ fixture: CLIFixture) throws -> [Row] {
        try fixture.schema.run(
            "SELECT table_name, status, created, trigger, partmand_version FROM \(fixture.schema.qualified("maintenance_log"))"
                + " ORDER BY started_at, table_name"
        ).rows
    }

    @Test("setup creates the history table and its partitions; once records a row per table")
    func setupThenOnce() throws {
        let fixture = try configured("histcli")

        let setup = try fixture.run(["setup"])
        #expect(setup.status == 0, "\(setup)")
        #expect(
            setup.stdout.contains(
                "maintenance_log: created the history table (range-partitioned by month on started_at)"), "\(setup)")
        #expect(setup.stdout.contains("maintenance_log: made 4 partition(s), retired 0"), "\(setup)")
        #expect(try fixture.partitionNames("maintenance_log").count == 4)
        let again = try fixture.run(["setup"])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("history table exists; nothing to do"), "\(again)")
        #expect(again.stdout.contains("nothing to change"), "\(again)")

        let once = try fixture.run(["once"])
        #expect(once.status == 0, "\(once)")
        let rows = try historyRows(fixture)
        // Rows come in the order tables finished (tables needing only new partitions go side by side).
        let created = Dictionary(uniqueKeysWithValues: rows.map { ($0["table_name"]!, $0["created"]!) })
        #expect(created == ["maintenance_log": "0", "events": "4", "orders": "4"])
        #expect(rows.allSatisfy { $0["status"] == "ok" && $0["trigger"] == "once" })
        #expect(!once.stderr.contains("level=warning"), "\(once)")
    }

    @Test("without the history table: one warning, every table maintained, exit 0")
    func missingTable() throws {
        let fixture = try configured("histnone")

        let once = try fixture.run(["once"])

        #expect(once.status == 0, "\(once)")
        let warnings = once.stderr.split(separator: "\n").filter { $0.contains("level=warning") }
        #expect(warnings.count == 1, "\(once)")
        #expect(warnings.first?.contains("maintenance_log does not exist") == true, "\(once)")
        #expect(!once.stdout.contains("FAILED"), "\(once)")
        #expect(!once.stdout.contains("maintenance_log"), "the missing history table is left out of the pass: \(once)")
        #expect(try fixture.partitionNames("events").count == 3)
        #expect(try fixture.partitionNames("orders").count == 3)
    }

    @Test("setup --dry-run says what it would do and creates nothing")
    func dryRun() throws {
        let fixture = try configured("histdry")
        let setup = try fixture.run(["setup", "--dry-run"])
        #expect(setup.status == 0, "\(setup)")
        #expect(setup.stdout.contains("would create the history table"), "\(setup)")
        let exists = try fixture.schema.run(
            "SELECT to_regclass($1) IS NOT NULL AS e", [.text(fixture.schema.qualified("maintenance_log"))]
        ).rows[0].bool("e")
        #expect(!exists)
    }
}
