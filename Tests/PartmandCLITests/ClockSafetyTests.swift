import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

/// Only the server's clock retires partitions: `--now` and PARTMAND_NOW look ahead, never destroy.
@Suite("partmand once --now never retires on a fake clock")
struct ClockSafetyTests {
    /// The reference table (monthly, premake 4, 6 months retention, a default partition) with its
    /// partitions made on the real clock and 1,000 rows received now.
    private func referenceTable() throws -> CLIFixture {
        let fixture = try CLIFixture("fakeclock")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("webhook_events")) (id bigint GENERATED ALWAYS AS IDENTITY,"
                + " received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)")
        try fixture.configure(tables: [
            "webhook_events": ["column: received_at", "interval: monthly", "premake: 4", "retention: 6 months"]
        ])
        let first = try fixture.run(["once"])
        try #require(first.status == 0, "\(first)")
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("webhook_events")) (received_at)"
                + " SELECT now() - n * interval '1 second' FROM generate_series(1, 1000) AS n")
        return fixture
    }

    private func rows(_ fixture: CLIFixture) throws -> Int {
        try fixture.count("SELECT count(*)::int AS n FROM \(fixture.schema.qualified("webhook_events"))")
    }

    @Test("--now seven months ahead: partitions are created, nothing retired, every row kept, exit 1")
    func nowAheadKeepsEveryRow() throws {
        let fixture = try referenceTable()

        let result = try fixture.run(["once", "--now", "2027-07-02T00:00:00Z"])

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("retiring refused"), "\(result)")
        #expect(result.stdout.contains("only the server's clock retires partitions"), "\(result)")
        #expect(result.stdout.contains("created"), "\(result)")
        #expect(try rows(fixture) == 1000)
        let ahead = try fixture.count(
            "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)",
            [.text(fixture.schema.qualified("webhook_events"))])
        #expect(ahead > 6, "partitions for July 2027 and after were made")
    }

    @Test("PARTMAND_NOW behaves like --now")
    func environmentNowKeepsEveryRow() throws {
        let fixture = try referenceTable()

        let result = try fixture.run(["once"], environment: ["PARTMAND_NOW": "2027-07-02T00:00:00Z"])

        #expect(result.status == 1, "\(result)")
        #expect(try rows(fixture) == 1000)
    }

    @Test("--allow-retire-at-now retires at the given instant")
    func overrideRetires() throws {
        let fixture = try referenceTable()

        let result = try fixture.run(["once", "--now", "2027-07-02T00:00:00Z", "--allow-retire-at-now"])

        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("retired"), "\(result)")
        #expect(try rows(fixture) == 0)
    }

    @Test("--dry-run and plan at a far --now still show the retirement they would do")
    func planStillShowsRetirement() throws {
        let fixture = try referenceTable()

        let result = try fixture.run(["plan", "--now", "2027-07-02T00:00:00Z"])

        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("drop"), "\(result)")
        #expect(try rows(fixture) == 1000)
    }
}
