import Foundation
import PartmandCore
import PartmandEngine
import PartmandMigration
import PartmandPostgres
import PartmandTestSupport
import Testing

/// `partmand migrate --undo`: the round trip migrate → inserts → undo keeps every row, id and index.
extension MigrationTests {
    func undo(_ fixture: EngineFixture, dryRun: Bool = false) -> MigrationUndoReport {
        MigrationUndo(pool: fixture.pool, settings: EngineFixture.fastSettings, logger: TestServer.silentLogger)
            .run(QualifiedName(schema: fixture.schema.name, name: "events"), dryRun: dryRun)
    }

    /// Every row as `id:received_at:payload`, in id order, hashed: the same rows with the same ids.
    func rowsDigest(_ fixture: EngineFixture) throws -> String? {
        try value(
            fixture,
            "SELECT count(*) || '/' || md5(string_agg(id || ':' || received_at || ':' || coalesce(payload, ''), ','"
                + " ORDER BY id)) AS v FROM \(fixture.schema.qualified("events"))")
    }

    /// The indexes of `events` as `name: definition`, sorted.
    func indexes(_ fixture: EngineFixture) throws -> [String] {
        try fixture.schema.run(
            "SELECT c.relname || ': ' || pg_get_indexdef(i.indexrelid) AS v FROM pg_index i"
                + " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass($1) ORDER BY 1",
            [.text(fixture.schema.qualified("events"))]
        ).rows.map { try $0.string("v") }
    }

    @Test(arguments: ["GENERATED ALWAYS AS IDENTITY", "serial"])
    func undoRoundTripKeepsRowsIdsIndexesAndInserts(_ id: String) throws {
        let fixture = try EngineFixture("migrateundo")
        let table = fixture.schema.qualified("events")
        if id == "serial" {
            try makePlainTable(fixture, rows: 1_000)
        } else {
            try makeIdentityTable(fixture, rows: 1_000, identity: id)
            try fixture.schema.run("CREATE INDEX events_payload_idx ON \(table) (payload)")
        }
        let indexesBefore = try indexes(fixture)
        let identityBefore = try identity(fixture, "events")
        #expect(migration(fixture).run(fixture.spec("events"), dryRun: false).outcome == .migrated)
        try fixture.schema.run(
            "INSERT INTO \(table) (received_at, payload) SELECT now(), 'after migrate' FROM generate_series(1, 50)")
        let before = try rowsDigest(fixture)
        let dry = undo(fixture, dryRun: true)
        #expect(dry.outcome == .wouldUndo, "\(dry)")
        #expect(try relkind(fixture, "events") == "p")
        var report: MigrationUndoReport?

        let log = try insertingThroughout(fixture) { report = undo(fixture) }

        #expect(report?.outcome == .undone, "\(String(describing: report))")
        #expect(try relkind(fixture, "events") == "r")
        #expect(try relkind(fixture, "events_history") == nil)
        try expectNoRowLost(fixture, log, besides: 1_050)
        // The same rows with the same ids, once the inserter's rows are set aside.
        let inserted = "{" + log.ids.map(String.init).joined(separator: ",") + "}"
        let kept = try fixture.schema.run(
            "SELECT count(*) || '/' || md5(string_agg(id || ':' || received_at || ':' || coalesce(payload, ''), ','"
                + " ORDER BY id)) AS v FROM \(table) WHERE NOT id = ANY($1::int8[])", [.text(inserted)]
        ).rows[0]["v"]
        #expect(kept == before)
        #expect(try indexes(fixture) == indexesBefore)
        #expect(try identity(fixture, "events") == identityBefore)
        #expect(
            try value(
                fixture,
                "SELECT count(*)::text AS v FROM pg_class WHERE relnamespace = '\(fixture.schema.name)'::regnamespace"
                    + " AND relkind IN ('r', 'p') AND relname LIKE 'events\\_p%'") == "0")
        // Inserts keep working, their ids after every id ever given.
        let largest = try value(fixture, "SELECT max(id)::text AS v FROM \(table)").flatMap { Int64($0) } ?? 0
        let next = try value(fixture, "INSERT INTO \(table) (received_at) VALUES (now()) RETURNING id::text AS v")
        #expect(next.flatMap { Int64($0) }.map { $0 > largest } == true, "\(String(describing: next)) after \(largest)")
        // A second undo has nothing to do; the table can be migrated again.
        #expect(undo(fixture).outcome == .alreadyPlain)
        #expect(migration(fixture).run(fixture.spec("events"), dryRun: false).outcome == .migrated)
    }

    @Test func undoIsRefusedOnceRowsLiveInNewerPartitions() throws {
        let fixture = try EngineFixture("migrateundoref")
        let table = fixture.schema.qualified("events")
        try makeIdentityTable(fixture, rows: 100)
        #expect(migration(fixture).run(fixture.spec("events"), dryRun: false).outcome == .migrated)
        try fixture.schema.run(
            "INSERT INTO \(table) (received_at) VALUES (now() + interval '40 days'), (now() + interval '41 days')")
        let before = try rowsDigest(fixture)

        let report = undo(fixture)

        #expect(report.outcome == .refused, "\(report)")
        let refusal = report.checks.compactMap(\.refusal).joined()
        #expect(refusal.contains("2 row(s) live in newer partitions (events_p"), "\(refusal)")
        #expect(try relkind(fixture, "events") == "p")
        #expect(try rowsDigest(fixture) == before)
    }
}
