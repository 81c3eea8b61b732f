import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

// TEMPORARY characterization (helper D): dumps dry-run reports to $MIGRATION_GOLDEN; deleted before hand-off.
@Suite struct MigrationGoldenTmp {
    func dump(_ fixture: EngineFixture, _ label: String, _ spec: TableSpec, now: Date? = nil) -> String {
        let report = TableMigration(
            pool: fixture.pool, settings: EngineFixture.fastSettings, engine: fixture.engine,
            logger: TestServer.silentLogger
        ).run(spec, dryRun: true, now: now)
        var lines = ["== \(label): \(report.outcome) cutoff=\(report.cutoff.map { ISO8601.string($0) } ?? "nil")"]
        lines += report.checks.map { "  \($0)" }
        lines += report.steps.map { "  step: \($0)" }
        lines += report.leftovers.map { "  left: \($0)" }
        if let e = report.error { lines.append("  error: \(e)") }
        return lines.joined(separator: "\n").replacingOccurrences(of: fixture.schema.name, with: "S")
    }

    @Test func golden() throws {
        guard let path = ProcessInfo.processInfo.environment["MIGRATION_GOLDEN"] else { return }
        var out: [String] = []
        let now = Date()
        do {
            let f = try EngineFixture("gold")
            let t = f.schema.qualified("events")
            try f.schema.run("CREATE TABLE \(t) (id bigserial, received_at timestamptz NOT NULL, payload text, PRIMARY KEY (id, received_at))")
            try f.schema.run("CREATE INDEX events_payload_idx ON \(t) (payload)")
            try f.schema.run("INSERT INTO \(t) (received_at) SELECT now() - g * interval '1 hour' FROM generate_series(1, 50) g")
            out.append(dump(f, "ok", f.spec("events"), now: now))
            out.append(dump(f, "ok-berlin-weekly", f.spec("events", interval: "weekly", premake: 2, defaultPartition: false, timeZone: "Europe/Berlin"), now: now))
            out.append(dump(f, "missing", f.spec("nothere"), now: now))
            out.append(dump(f, "badcolumn", f.spec("events", column: "nope"), now: now))
            out.append(dump(f, "textcolumn", f.spec("events", column: "payload"), now: now))
            // Near the cutoff.
            let cal = PartitionCalendar(interval: CalendarInterval(parsing: "monthly")!, timeZone: TimeZone(identifier: "UTC")!)
            let near = cal.boundary(ofSlot: cal.slot(containing: now) + 1).addingTimeInterval(-100)
            out.append(dump(f, "near", f.spec("events"), now: near))
            try f.schema.run("CREATE VIEW \(f.schema.qualified("v")) AS SELECT 1")
            out.append(dump(f, "view", f.spec("v"), now: now))
            try f.schema.run("CREATE TABLE \(f.schema.qualified("p")) (ts timestamptz) PARTITION BY RANGE (ts)")
            out.append(dump(f, "partitioned", f.spec("p", column: "ts"), now: now))
            try f.schema.run("CREATE TYPE \(f.schema.qualified("ty")) AS (ts timestamptz)")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("typed")) OF \(f.schema.qualified("ty"))")
            out.append(dump(f, "typed", f.spec("typed", column: "ts"), now: now))
            try f.schema.run("CREATE TABLE \(f.schema.qualified("d")) (day date, ts timestamp, g timestamptz GENERATED ALWAYS AS (day::timestamp AT TIME ZONE 'UTC') STORED)")
            try f.schema.run("INSERT INTO \(f.schema.qualified("d")) VALUES (current_date, localtimestamp), (NULL, NULL)")
            out.append(dump(f, "date-nulls", f.spec("d", column: "day", interval: "daily"), now: now))
            out.append(dump(f, "timestamp-nulls", f.spec("d", column: "ts", interval: "daily"), now: now))
            out.append(dump(f, "generated", f.spec("d", column: "g", interval: "daily"), now: now))
        }
        do {
            let f = try EngineFixture("goldbad")
            let t = f.schema.qualified("events")
            let pub = TestServer.uniqueName("goldpub")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("other")) (id int PRIMARY KEY)")
            try f.schema.run("CREATE TABLE \(t) (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, received_at timestamptz, o int REFERENCES \(f.schema.qualified("other")), payload text, EXCLUDE USING btree (payload WITH =))")
            try f.schema.run("ALTER TABLE \(t) ENABLE ROW LEVEL SECURITY")
            try f.schema.run("GRANT SELECT (payload) ON \(t) TO PUBLIC")
            try f.schema.run("GRANT SELECT, INSERT ON \(t) TO PUBLIC")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("refs")) (e bigint REFERENCES \(t))")
            try f.schema.run("CREATE VIEW \(f.schema.qualified("vv")) AS SELECT * FROM \(t)")
            try f.schema.run("CREATE RULE r1 AS ON DELETE TO \(t) DO ALSO NOTHING")
            try f.schema.run("CREATE FUNCTION \(f.schema.qualified("tf"))() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
            try f.schema.run("CREATE TRIGGER tr1 BEFORE INSERT ON \(t) FOR EACH ROW EXECUTE FUNCTION \(f.schema.qualified("tf"))()")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("kid")) () INHERITS (\(t))")
            try f.schema.run("CREATE PUBLICATION \(pub) FOR TABLE \(t)")
            defer { _ = try? f.schema.run("DROP PUBLICATION \(pub)") }
            try f.schema.run("INSERT INTO \(t) (received_at, payload) VALUES (NULL, 'a'), (now() + interval '100 days', 'b'), (now(), 'c')")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("events_history")) ()")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("events_partmand_new")) ()")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("events_default")) ()")
            try f.schema.run("INSERT INTO \(t) (received_at, payload) VALUES ('2000-01-01', 'd'), ('2000-01-01', 'e')")
            _ = try? f.schema.run("CREATE UNIQUE INDEX CONCURRENTLY events_inv ON \(t) (received_at)")
            out.append(dump(f, "bad", f.spec("events"), now: now))
            try f.schema.run("CREATE UNLOGGED TABLE \(f.schema.qualified("u")) (ts timestamptz NOT NULL)")
            out.append(dump(f, "unlogged", f.spec("u", column: "ts"), now: now))
        }
        do {
            let f = try EngineFixture("goldleft")
            let t = f.schema.qualified("events")
            try f.schema.run("CREATE TABLE \(t) (id bigserial, received_at timestamptz NOT NULL, PRIMARY KEY (id, received_at))")
            try f.schema.run("ALTER TABLE \(t) ADD CONSTRAINT partmand_migrate_bounds CHECK (received_at IS NOT NULL) NOT VALID")
            try f.schema.run("CREATE TABLE \(f.schema.qualified("events_partmand_new")) (LIKE \(t)) PARTITION BY RANGE (received_at)")
            out.append(dump(f, "leftover-empty", f.spec("events"), now: now))
            try f.schema.run("CREATE TABLE \(f.schema.qualified("nd")) PARTITION OF \(f.schema.qualified("events_partmand_new")) DEFAULT")
            try f.schema.run("INSERT INTO \(f.schema.qualified("events_partmand_new")) (received_at) VALUES (now())")
            out.append(dump(f, "leftover-rows", f.spec("events"), now: now))
        }
        try out.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
