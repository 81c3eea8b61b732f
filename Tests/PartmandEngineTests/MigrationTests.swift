import Dispatch
import Foundation
import PartmandCore
import PartmandEngine
import PartmandMigration
import PartmandPostgres
import PartmandTestSupport
import Testing

/// `partmand migrate`: a plain table becomes range-partitioned online, its rows staying where they are.
@Suite struct MigrationTests {
    /// A plain `events` table: PK (id, received_at), a secondary index, `rows` rows one hour apart back from now.
    private func makePlainTable(_ fixture: EngineFixture, rows: Int = 10_000) throws {
        let table = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(table) (id bigserial, received_at timestamptz NOT NULL, payload text,"
                + " PRIMARY KEY (id, received_at))")
        try fixture.schema.run("CREATE INDEX events_payload_idx ON \(table) (payload)")
        try fixture.schema.run(
            "INSERT INTO \(table) (received_at, payload)"
                + " SELECT now() - g * interval '1 hour', 'row ' || g FROM generate_series(1, \(rows)) g")
    }

    private func migration(_ fixture: EngineFixture) -> TableMigration {
        TableMigration(
            pool: fixture.pool, settings: EngineFixture.fastSettings, engine: fixture.engine,
            logger: TestServer.silentLogger)
    }

    private func value(_ fixture: EngineFixture, _ sql: String) throws -> String? {
        try fixture.schema.run(sql).rows.first?["v"] ?? nil
    }

    private func relkind(_ fixture: EngineFixture, _ table: String) throws -> String? {
        try fixture.schema.run(
            "SELECT relkind::text AS v FROM pg_class WHERE oid = to_regclass($1)",
            [.text(fixture.schema.qualified(table))]
        ).rows.first?["v"]
    }

    private func checksum(_ fixture: EngineFixture) throws -> String? {
        try value(fixture, "SELECT count(*) || '/' || sum(id) AS v FROM \(fixture.schema.qualified("events"))")
    }

    /// The partition of `events` a new row with `received_at` lands in.
    private func landing(_ fixture: EngineFixture, _ expression: String) throws -> String? {
        try value(
            fixture,
            "INSERT INTO \(fixture.schema.qualified("events")) (received_at, payload) VALUES (\(expression), 'new')"
                + " RETURNING tableoid::regclass::text AS v")
    }

    @Test func plainTableBecomesPartitionedWithEveryRowAndIndexKept() throws {
        let fixture = try EngineFixture("migrate")
        try makePlainTable(fixture)
        let before = try checksum(fixture)

        let report = migration(fixture).run(fixture.spec("events"), dryRun: false)

        #expect(report.outcome == .migrated, "\(report)")
        #expect(report.pass?.status == .ok, "\(String(describing: report.pass))")
        #expect(try relkind(fixture, "events") == "p")
        #expect(try checksum(fixture) == before)
        #expect(try fixture.rowsPerPartition("events") == ["events_history": 10_000])
        // history + current-slot-exclusive premake window (4 after the current slot) + default.
        let partitions = try fixture.partitionNames("events")
        #expect(partitions.count == 6, "\(partitions)")
        #expect(partitions.contains("events_history") && partitions.contains("events_default"))
        #expect(try fixture.partitions("events").first { $0.hasPrefix("events_history") }?.contains("MINVALUE") == true)
        // The two old indexes were attached to the parent's indexes, none built.
        let indexes = try fixture.schema.run(
            """
            SELECT count(*)::int AS total,
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid))::int
                       AS attached
            FROM pg_index i WHERE i.indrelid = to_regclass($1)
            """, [.text(fixture.schema.qualified("events_history"))]
        ).rows[0]
        #expect(indexes["total"] == "2" && indexes["attached"] == "2")
        #expect(
            try value(
                fixture,
                "SELECT string_agg(indexrelid::regclass::text, ',' ORDER BY 1) AS v FROM pg_index"
                    + " WHERE indrelid = to_regclass('\(fixture.schema.name).events_history')")?
                .contains("events_payload_idx") == true)
        // The bounds CHECK is gone, the sequence now belongs to the partitioned table.
        #expect(
            try value(
                fixture,
                "SELECT count(*)::text AS v FROM pg_constraint WHERE conname = 'partmand_migrate_bounds'"
                    + " AND connamespace = '\(fixture.schema.name)'::regnamespace") == "0")
        #expect(
            try value(
                fixture, "SELECT pg_get_serial_sequence('\(fixture.schema.name).events', 'id') AS v") != nil)
        // Now goes to the history partition (the current period), next month to a new partition.
        #expect(try landing(fixture, "now()")?.hasSuffix("events_history") == true)
        let next = try landing(fixture, "now() + interval '32 days'")
        #expect(next?.contains("events_p") == true, "\(String(describing: next))")
        // A second run has nothing to do.
        #expect(migration(fixture).run(fixture.spec("events"), dryRun: false).outcome == .alreadyPartitioned)
    }

    @Test func dryRunChangesNothing() throws {
        let fixture = try EngineFixture("migratedry")
        try makePlainTable(fixture, rows: 100)

        let report = migration(fixture).run(fixture.spec("events"), dryRun: true)

        #expect(report.outcome == .wouldMigrate, "\(report)")
        #expect(report.checks.allSatisfy { $0.passed })
        #expect(report.steps.count == 5)
        #expect(report.steps[0].contains("NOT VALID"))
        try expectUntouched(fixture)
    }

    @Test func concurrentInsertsAreNeverLost() throws {
        let fixture = try EngineFixture("migrateconc")
        try makePlainTable(fixture, rows: 2_000)
        let inserter = try TestServer.connect()
        defer { inserter.close() }
        let stop = LockedBox(false)
        let committed = LockedBox(0)
        let errors = LockedBox<[String]>([])
        let done = DispatchSemaphore(value: 0)
        let table = fixture.schema.qualified("events")
        // A thread of its own: the shared queues may be busy with other tests.
        Thread {
            let started = Date()
            while !stop.value && Date().timeIntervalSince(started) < 20 {
                do {
                    try inserter.execute(
                        "INSERT INTO \(table) (received_at, payload) VALUES (now(), 'concurrent')", purpose: "insert")
                    committed.mutate { $0 += 1 }
                } catch {
                    errors.mutate { $0.append("\(error)") }
                }
            }
            done.signal()
        }.start()
        func waitForInserts(beyond count: Int) {
            let deadline = Date().addingTimeInterval(10)
            while committed.value < count + 20 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        }
        waitForInserts(beyond: 0)
        let beforeMigration = committed.value

        let report = migration(fixture).run(fixture.spec("events"), dryRun: false)

        let duringMigration = committed.value - beforeMigration
        waitForInserts(beyond: committed.value)
        stop.mutate { $0 = true }
        done.wait()
        #expect(report.outcome == .migrated, "\(report)")
        #expect(errors.value.isEmpty, "\(errors.value.prefix(3))")
        #expect(beforeMigration > 0 && duringMigration > 0, "\(beforeMigration) before, \(duringMigration) during")
        // Inserts went on after the swap, into the partitioned table.
        #expect(try fixture.rowsPerPartition("events")["events_history"] == 2_000 + committed.value)
        #expect(try value(fixture, "SELECT count(*)::text AS v FROM \(table)") == String(2_000 + committed.value))
        #expect(try relkind(fixture, "events") == "p")
    }

    // MARK: - Refusals

    /// Nothing changed: still a plain table with its rows, no leftovers of a migration.
    private func expectUntouched(_ fixture: EngineFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try relkind(fixture, "events") == "r", sourceLocation: sourceLocation)
        #expect(try relkind(fixture, "events_partmand_new") == nil, sourceLocation: sourceLocation)
        #expect(try relkind(fixture, "events_history") == nil, sourceLocation: sourceLocation)
        #expect(
            try value(
                fixture,
                "SELECT count(*)::text AS v FROM pg_class WHERE relnamespace = '\(fixture.schema.name)'::regnamespace"
                    + " AND relkind IN ('r', 'p') AND relname LIKE 'events\\_p%'") == "0",
            sourceLocation: sourceLocation)
        #expect(
            try value(
                fixture,
                "SELECT count(*)::text AS v FROM pg_constraint WHERE conname = 'partmand_migrate_bounds'"
                    + " AND connamespace = '\(fixture.schema.name)'::regnamespace") == "0",
            sourceLocation: sourceLocation)
    }

    private func expectRefusal(
        _ fixture: EngineFixture, mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try checksum(fixture)
        let report = migration(fixture).run(fixture.spec("events"), dryRun: false)
        #expect(report.outcome == .refused, "\(report)", sourceLocation: sourceLocation)
        let refusals = report.checks.compactMap(\.refusal)
        #expect(
            refusals.contains { $0.contains(text) }, "no refusal mentions '\(text)': \(refusals)",
            sourceLocation: sourceLocation)
        #expect(try checksum(fixture) == before, sourceLocation: sourceLocation)
        try expectUntouched(fixture, sourceLocation: sourceLocation)
    }

    @Test func primaryKeyWithoutThePartitionColumnIsRefused() throws {
        let fixture = try EngineFixture("migratepk")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events")) (id bigserial PRIMARY KEY,"
                + " received_at timestamptz NOT NULL, payload text)")
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("events")) (received_at) VALUES (now() - interval '1 day')")
        try expectRefusal(fixture, mentioning: "events_pkey")
    }

    @Test func dependentViewIsRefused() throws {
        let fixture = try EngineFixture("migrateview")
        try makePlainTable(fixture, rows: 10)
        try fixture.schema.run(
            "CREATE VIEW \(fixture.schema.qualified("recent")) AS SELECT * FROM \(fixture.schema.qualified("events"))")
        try expectRefusal(fixture, mentioning: "recent")
    }

    @Test func referencingForeignKeyIsRefused() throws {
        let fixture = try EngineFixture("migratefk")
        try makePlainTable(fixture, rows: 10)
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("deliveries")) (event_id bigint, received_at timestamptz,"
                + " FOREIGN KEY (event_id, received_at) REFERENCES \(fixture.schema.qualified("events")))")
        try expectRefusal(fixture, mentioning: "deliveries")
    }

    @Test func rowsBeyondTheCutoffAreRefused() throws {
        let fixture = try EngineFixture("migratefuture")
        try makePlainTable(fixture, rows: 10)
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified("events")) (received_at) VALUES (now() + interval '70 days')")
        try expectRefusal(fixture, mentioning: "rows at or after")
    }

    @Test func identityColumnIsRefused() throws {
        let fixture = try EngineFixture("migrateidentity")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events")) (id bigint GENERATED ALWAYS AS IDENTITY,"
                + " received_at timestamptz NOT NULL)")
        try expectRefusal(fixture, mentioning: "identity")
    }

    // MARK: - Locks

    @Test func swapBlockedPastLockTimeoutLeavesNothingHalfDoneAndCanBeRerun() throws {
        let fixture = try EngineFixture("migratelock")
        try makePlainTable(fixture, rows: 500)
        let before = try checksum(fixture)
        let blocker = try TestServer.connect()
        defer { blocker.close() }
        let blocked = migration(fixture)
        blocked.beforeSwap = {
            // A long reader: it holds ACCESS SHARE, which the swap's ACCESS EXCLUSIVE waits for.
            try blocker.execute("BEGIN", purpose: "block")
            try blocker.execute(
                "SELECT count(*) FROM \(fixture.schema.qualified("events"))", purpose: "read and hold")
        }

        let failed = blocked.run(fixture.spec("events"), dryRun: false)
        try blocker.execute("ROLLBACK", purpose: "unblock")

        #expect(failed.outcome == .failed, "\(failed)")
        #expect(failed.error?.sqlState == "55P03", "\(String(describing: failed.error))")
        #expect(try relkind(fixture, "events") == "r")
        #expect(try checksum(fixture) == before)
        #expect(try relkind(fixture, "events_partmand_new") == nil)
        #expect(try relkind(fixture, "events_history") == nil)
        // The CHECK could not be dropped while the reader held the table: it is reported, and a rerun removes it.
        let constraintLeft = try value(
            fixture,
            "SELECT count(*)::text AS v FROM pg_constraint WHERE conname = 'partmand_migrate_bounds'"
                + " AND connamespace = '\(fixture.schema.name)'::regnamespace")
        #expect((constraintLeft == "1") == !failed.leftovers.isEmpty, "\(failed.leftovers)")

        let rerun = migration(fixture).run(fixture.spec("events"), dryRun: false)

        #expect(rerun.outcome == .migrated, "\(rerun)")
        #expect(try relkind(fixture, "events") == "p")
        #expect(try checksum(fixture) == before)
    }

    @Test func leftoverNewTableAndConstraintAreRedone() throws {
        let fixture = try EngineFixture("migrateleft")
        try makePlainTable(fixture, rows: 100)
        let events = fixture.schema.qualified("events")
        // What an interrupted run leaves: the CHECK (here with a wrong cutoff) and an empty new parent.
        try fixture.schema.run(
            "ALTER TABLE \(events) ADD CONSTRAINT partmand_migrate_bounds"
                + " CHECK (received_at IS NOT NULL AND received_at < now() + interval '10 years') NOT VALID")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_partmand_new")) (LIKE \(events))"
                + " PARTITION BY RANGE (received_at)")

        let report = migration(fixture).run(fixture.spec("events"), dryRun: false)

        #expect(report.outcome == .migrated, "\(report)")
        #expect(try relkind(fixture, "events") == "p")
        #expect(try relkind(fixture, "events_partmand_new") == nil)
    }
}
