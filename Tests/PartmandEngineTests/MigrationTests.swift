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
    func makePlainTable(_ fixture: EngineFixture, rows: Int = 10_000) throws {
        let table = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(table) (id bigserial, received_at timestamptz NOT NULL, payload text,"
                + " PRIMARY KEY (id, received_at))")
        try fixture.schema.run("CREATE INDEX events_payload_idx ON \(table) (payload)")
        try fixture.schema.run(
            "INSERT INTO \(table) (received_at, payload)"
                + " SELECT now() - g * interval '1 hour', 'row ' || g FROM generate_series(1, \(rows)) g")
    }

    func migration(_ fixture: EngineFixture) -> TableMigration {
        TableMigration(
            pool: fixture.pool, settings: EngineFixture.fastSettings, engine: fixture.engine,
            logger: TestServer.silentLogger)
    }

    func value(_ fixture: EngineFixture, _ sql: String) throws -> String? {
        try fixture.schema.run(sql).rows.first?["v"] ?? nil
    }

    func relkind(_ fixture: EngineFixture, _ table: String) throws -> String? {
        try fixture.schema.run(
            "SELECT relkind::text AS v FROM pg_class WHERE oid = to_regclass($1)",
            [.text(fixture.schema.qualified(table))]
        ).rows.first?["v"]
    }

    func checksum(_ fixture: EngineFixture) throws -> String? {
        try value(fixture, "SELECT count(*) || '/' || sum(id) AS v FROM \(fixture.schema.qualified("events"))")
    }

    /// The partition of `events` a new row with `received_at` lands in.
    func landing(_ fixture: EngineFixture, _ expression: String) throws -> String? {
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
        // The verification counted every row, in old and new and per partition, and checked indexes and sequence.
        let verification = try #require(report.verification, "\(report)")
        #expect(verification.passed, "\(verification.lines)")
        #expect(verification.historyIsOldTable && verification.oldTableRows == 10_000)
        #expect(verification.newTableRows == 10_000 && verification.newTableRowsBeforeCutoff == 10_000)
        #expect(verification.partitions.count == 6 && verification.partitions.first?.name == "events_history")
        #expect(verification.indexes.count == 14, "\(verification.indexes)")  // 2 on the parent, 2 on each partition
        #expect(verification.sequences.first.map { ($0.position ?? 0) >= ($0.largest ?? 0) } == true)
        #expect(report.succeeded)
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
        let survey = try #require(report.survey)
        #expect(survey.tableBytes > 0 && survey.indexes.count == 2, "\(survey)")
        #expect(survey.constraints.map(\.name).contains("events_pkey"), "\(survey)")
        #expect(survey.sequences == ["id serial (\(fixture.schema.name).events_id_seq)"], "\(survey)")
        #expect(survey.partitions.count == 5 && survey.partitions.last == "events_default DEFAULT", "\(survey)")
        #expect(report.verification == nil)
        #expect(report.steps.count == 5)
        #expect(report.steps[0].contains("NOT VALID"))
        try expectUntouched(fixture)
    }

    /// What an inserter thread saw while `body` ran: ids returned by `INSERT … RETURNING id` (no id given),
    /// the errors, and how many inserts committed before and during `body`.
    struct InsertLog {
        var ids: [Int64]
        var errors: [String]
        var before: Int
        var during: Int
    }

    /// Runs `body` while a thread of its own inserts rows without an id into `events` as fast as it can,
    /// starting before and going on after `body`.
    func insertingThroughout(_ fixture: EngineFixture, _ body: () throws -> Void) throws -> InsertLog {
        let inserter = try TestServer.connect()
        defer { inserter.close() }
        let stop = LockedBox(false)
        let ids = LockedBox<[Int64]>([])
        let errors = LockedBox<[String]>([])
        let done = DispatchSemaphore(value: 0)
        let table = fixture.schema.qualified("events")
        // A thread of its own: the shared queues may be busy with other tests.
        Thread {
            let started = Date()
            while !stop.value && Date().timeIntervalSince(started) < 30 {
                do {
                    let id = try inserter.query(
                        "INSERT INTO \(table) (received_at, payload) VALUES (now(), 'concurrent') RETURNING id::int8 AS id",
                        purpose: "insert"
                    ).rows[0].int64("id")
                    ids.mutate { $0.append(id) }
                } catch {
                    errors.mutate { $0.append("\(error)") }
                }
            }
            done.signal()
        }.start()
        func waitForInserts(beyond count: Int) {
            let deadline = Date().addingTimeInterval(10)
            while ids.value.count < count + 20 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        }
        waitForInserts(beyond: 0)
        let before = ids.value.count
        try body()
        let during = ids.value.count - before
        waitForInserts(beyond: ids.value.count)
        stop.mutate { $0 = true }
        done.wait()
        return InsertLog(ids: ids.value, errors: errors.value, before: before, during: during)
    }

    /// Every id the inserter got is in the table once, no id repeats, and the table holds `rows` more rows.
    func expectNoRowLost(
        _ fixture: EngineFixture, _ log: InsertLog, besides rows: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let table = fixture.schema.qualified("events")
        #expect(log.errors.isEmpty, "\(log.errors.prefix(3))", sourceLocation: sourceLocation)
        #expect(
            log.before > 0 && log.during > 0, "\(log.before) before, \(log.during) during",
            sourceLocation: sourceLocation)
        #expect(Set(log.ids).count == log.ids.count, "an id was returned twice", sourceLocation: sourceLocation)
        let counts = try fixture.schema.run(
            "SELECT count(*)::int8 AS total, count(DISTINCT id)::int8 AS ids,"
                + " count(*) FILTER (WHERE id = ANY($1::int8[]))::int8 AS inserted FROM \(table)",
            [.text("{" + log.ids.map(String.init).joined(separator: ",") + "}")]
        ).rows[0]
        #expect(try counts.int64("total") == Int64(rows + log.ids.count), sourceLocation: sourceLocation)
        #expect(try counts.int64("ids") == Int64(rows + log.ids.count), "duplicate ids", sourceLocation: sourceLocation)
        #expect(try counts.int64("inserted") == Int64(log.ids.count), sourceLocation: sourceLocation)
    }

    @Test func concurrentInsertsAreNeverLost() throws {
        let fixture = try EngineFixture("migrateconc")
        try makePlainTable(fixture, rows: 2_000)
        var report: MigrationReport?

        let log = try insertingThroughout(fixture) {
            report = migration(fixture).run(fixture.spec("events"), dryRun: false)
        }

        #expect(report?.outcome == .migrated, "\(String(describing: report))")
        try expectNoRowLost(fixture, log, besides: 2_000)
        // Inserts went on after the swap, into the partitioned table.
        #expect(try fixture.rowsPerPartition("events")["events_history"] == 2_000 + log.ids.count)
        #expect(try relkind(fixture, "events") == "p")
    }

    // MARK: - Identity columns

    /// A plain `events` table whose id is an identity column, `rows` rows one hour apart back from now.
    func makeIdentityTable(
        _ fixture: EngineFixture, rows: Int, identity: String = "GENERATED ALWAYS AS IDENTITY",
        primaryKey: String = "id, received_at"
    ) throws {
        let table = fixture.schema.qualified("events")
        try fixture.schema.run(
            "CREATE TABLE \(table) (id bigint \(identity), received_at timestamptz NOT NULL, payload text,"
                + " PRIMARY KEY (\(primaryKey)))")
        try fixture.schema.run(
            "INSERT INTO \(table) (received_at, payload)"
                + " SELECT now() - g * interval '1 hour', 'row ' || g FROM generate_series(1, \(rows)) g")
    }

    /// The identity kind (`a` always, `d` by default) of `table.id`, and the name of its sequence.
    func identity(_ fixture: EngineFixture, _ table: String) throws -> (kind: String, sequence: String?) {
        let row = try fixture.schema.run(
            "SELECT attidentity::text AS kind, pg_get_serial_sequence($1, 'id') AS sequence FROM pg_attribute"
                + " WHERE attrelid = to_regclass($1) AND attname = 'id'", [.text(fixture.schema.qualified(table))]
        ).rows[0]
        return (try row.string("kind"), row["sequence"] ?? nil)
    }

    @Test func identityColumnContinuesWhileInsertsGoOn() throws {
        let fixture = try EngineFixture("migrateidentity")
        try makeIdentityTable(fixture, rows: 2_000)
        let table = fixture.schema.qualified("events")
        var report: MigrationReport?

        let log = try insertingThroughout(fixture) {
            report = migration(fixture).run(fixture.spec("events"), dryRun: false)
        }

        #expect(report?.outcome == .migrated, "\(String(describing: report))")
        try expectNoRowLost(fixture, log, besides: 2_000)
        #expect(try relkind(fixture, "events") == "p")
        // The parent carries the identity, under the old sequence's name; the history partition has none.
        let parent = try identity(fixture, "events")
        #expect(parent.kind == "a" && parent.sequence == "\(fixture.schema.name).events_id_seq", "\(parent)")
        #expect(try identity(fixture, "events_history").kind == "")
        #expect(
            try value(fixture, "SELECT count(*)::text AS v FROM pg_class WHERE relname = 'events_partmand_new_id_seq'")
                == "0")
        // The next id, returned by RETURNING, is past every id ever given, and lands in the history partition.
        let largest = try value(fixture, "SELECT max(id)::text AS v FROM \(table)").flatMap { Int64($0) } ?? 0
        let next = try fixture.schema.run(
            "INSERT INTO \(table) (received_at) VALUES (now()) RETURNING id::int8 AS id, tableoid::regclass::text AS t"
        ).rows[0]
        #expect(try next.int64("id") == largest + 1)
        #expect(try next.string("t").hasSuffix("events_history"))
        // GENERATED ALWAYS stays ALWAYS.
        #expect(throws: (any Error).self) {
            try fixture.schema.run("INSERT INTO \(table) (id, received_at) VALUES (1, now())")
        }
    }

    @Test func identityByDefaultWithoutLeadingIndexContinuesPastExplicitIds() throws {
        let fixture = try EngineFixture("migrateidentitydef")
        try makeIdentityTable(
            fixture, rows: 100, identity: "GENERATED BY DEFAULT AS IDENTITY (START WITH 50 INCREMENT BY 3)",
            primaryKey: "received_at, id")
        let table = fixture.schema.qualified("events")
        // An id above the sequence, given explicitly: the sequence alone would hand it out again.
        try fixture.schema.run("INSERT INTO \(table) (id, received_at) VALUES (100000, now() - interval '1 hour')")

        let report = migration(fixture).run(fixture.spec("events"), dryRun: false)

        #expect(report.outcome == .migrated, "\(report)")
        #expect(report.steps.contains { $0.contains("read before the swap") }, "\(report.steps)")
        #expect(try identity(fixture, "events").kind == "d")
        let next = try value(fixture, "INSERT INTO \(table) (received_at) VALUES (now()) RETURNING id::text AS v")
        #expect(next == "100003")
    }

    // MARK: - Refusals

    /// Nothing changed: still a plain table with its rows, no leftovers of a migration.
    func expectUntouched(_ fixture: EngineFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
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

    func expectRefusal(
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

    @Test func descendingIdentityIsRefused() throws {
        let fixture = try EngineFixture("migrateidentitydown")
        try makeIdentityTable(fixture, rows: 10, identity: "GENERATED ALWAYS AS IDENTITY (INCREMENT BY -1)")
        try expectRefusal(fixture, mentioning: "count downwards")
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
