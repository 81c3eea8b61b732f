import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// A pass reuses its first read of a table with work only when the table's fingerprint is unchanged
/// under the table's lock; any change that matters to the plan or the execution must change it.
@Suite struct CatalogFingerprintTests {
    private func read(_ fixture: EngineFixture) throws -> TableCatalog {
        let connection = try TestServer.connect()
        defer { connection.close() }
        return try CatalogReader.read([fixture.spec("events")], on: connection)[fixture.spec("events").parent]!.get()
    }

    private func stillHolds(_ catalog: TableCatalog) throws -> Bool {
        let connection = try TestServer.connect()
        defer { connection.close() }
        return try CatalogReader.stillHolds(catalog, on: connection)
    }

    @Test(
        "unchanged: holds; a partition attached, detached or re-attached with other bounds, a column added or renamed: does not",
        arguments: [
            "CREATE TABLE {s}.events_x PARTITION OF {s}.events FOR VALUES FROM ('2030-01-01+00') TO ('2030-02-01+00')",
            "ALTER TABLE {s}.events DETACH PARTITION {s}.events_a",
            "ALTER TABLE {s}.events ADD COLUMN extra int",
            "ALTER TABLE {s}.events RENAME COLUMN payload TO body",
            """
            ALTER TABLE {s}.events DETACH PARTITION {s}.events_a;
            ALTER TABLE {s}.events ATTACH PARTITION {s}.events_a FOR VALUES FROM ('2020-01-01+00') TO ('2020-01-15+00')
            """,
        ])
    func changesAreSeen(change: String) throws {
        let fixture = try EngineFixture("fingerprint")
        try fixture.createParent("events")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_a")) PARTITION OF \(fixture.schema.qualified("events"))"
                + " FOR VALUES FROM ('2020-01-01+00') TO ('2020-02-01+00')")
        let catalog = try read(fixture)
        try fixture.schema.run("ANALYZE \(fixture.schema.qualified("events"))")
        #expect(try stillHolds(catalog), "an ANALYZE changes nothing that matters")

        for statement in change.replacingOccurrences(of: "{s}", with: SQL.identifier(fixture.schema.name))
            .split(separator: ";")
        {
            try fixture.schema.run(String(statement))
        }

        #expect(try !stillHolds(catalog))
    }
}
