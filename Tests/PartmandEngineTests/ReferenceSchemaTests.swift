import Foundation
import PartmandCore
import PartmandMigration
import PartmandPostgres
import PartmandTestSupport
import Testing

/// config/reference-schema.sql has the seed's columns: the seed's verification insert works against a
/// partmand deployment, and the table as the seed had it (plain) migrates.
@Suite struct ReferenceSchemaTests {
    /// config/reference-schema.sql, with `public.` replaced by the test's schema.
    private func referenceSchema(in fixture: EngineFixture) throws -> String {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/reference-schema.sql")
        let text = try String(contentsOf: path, encoding: .utf8)
        #expect(text.contains("public.webhook_events"))
        return text.replacingOccurrences(of: "public.", with: SQL.identifier(fixture.schema.name) + ".")
    }

    /// The seed's verification insert; returns the id and the partition the row landed in.
    private func seedInsert(_ fixture: EngineFixture) throws -> (id: Int64, partition: String) {
        let row = try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("webhook_events")) (source, event_type, payload, headers)"
                + " VALUES ('seed-verify', 'ping', '{\"ok\": true}', '{\"content-type\": \"application/json\"}')"
                + " RETURNING webhook_events_id, tableoid::regclass::text AS partition"
        ).rows[0]
        return (try row.int64("webhook_events_id"), try row.string("partition"))
    }

    @Test func seedVerificationInsertWorksAfterAPass() throws {
        let fixture = try EngineFixture("refschema")
        try fixture.schema.connection.executeScript(try referenceSchema(in: fixture), purpose: "reference schema")
        let spec = fixture.spec("webhook_events")

        let pass = fixture.engine.runPass([spec], now: Date(), clock: .given(retireAnyway: false))

        #expect(pass.tables.first?.status == .ok, "\(pass)")
        let first = try seedInsert(fixture)
        let second = try seedInsert(fixture)
        #expect(second.id > first.id)
        #expect(!first.partition.hasSuffix("_default"), "\(first)")
        let received = try fixture.schema.run(
            "SELECT (received_at > now() - interval '1 minute')::text AS recent, headers::text AS headers"
                + " FROM \(fixture.schema.qualified("webhook_events")) WHERE webhook_events_id = $1",
            [.text(String(first.id))]
        ).rows[0]
        #expect(received["recent"] == "true")
        #expect(received["headers"] == "{\"content-type\": \"application/json\"}")
    }

    @Test func thePlainTableOfTheSeedMigratesAndKeepsItsIds() throws {
        let fixture = try EngineFixture("refschemamig")
        let plain = try referenceSchema(in: fixture).replacingOccurrences(
            of: " PARTITION BY RANGE (received_at)", with: "")
        try fixture.schema.connection.executeScript(plain, purpose: "reference schema, plain")
        let table = fixture.schema.qualified("webhook_events")
        try fixture.schema.run(
            "INSERT INTO \(table) (source, event_type, payload, received_at)"
                + " SELECT 'seed', 'push', '{}', now() - g * interval '1 hour' FROM generate_series(1, 500) g")
        let before = try seedInsert(fixture)
        let migration = TableMigration(
            pool: fixture.pool, settings: EngineFixture.fastSettings, engine: fixture.engine,
            logger: TestServer.silentLogger)

        let report = migration.run(fixture.spec("webhook_events"), dryRun: false)

        #expect(report.outcome == .migrated, "\(report)")
        let after = try seedInsert(fixture)
        #expect(after.id == before.id + 1)
        #expect(after.partition.hasSuffix("webhook_events_history"), "\(after)")
        #expect(
            try fixture.schema.run("SELECT count(*)::int AS n FROM \(table)").rows[0].int("n") == 502)
    }
}
