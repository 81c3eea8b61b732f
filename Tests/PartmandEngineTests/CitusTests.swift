import Dispatch
import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// Distributed time-partitioned tables on a real Citus cluster (a coordinator and two workers), maintained
/// from the coordinator.
/// One test at a time: the tables of every test share a colocation group (distributed on text, 32 shards), and
/// Citus's DDL on one waits for DDL on the others.
@Suite(.enabled(if: CitusServer.conninfo != nil, CitusServer.skipReason), .serialized)
struct CitusTests {
    /// `schema.table (id identity, source, received_at, payload)`, range-partitioned on received_at,
    /// with a default partition when asked, distributed on `source` (32 shards, Citus's default).
    private func distributedParent(_ fixture: EngineFixture, _ table: String, withDefault: Bool = false) throws {
        let parent = fixture.schema.qualified(table)
        try fixture.schema.run(
            "CREATE TABLE \(parent) (id bigint GENERATED ALWAYS AS IDENTITY, source text NOT NULL,"
                + " received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)")
        if withDefault {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(table + "_default")) PARTITION OF \(parent) DEFAULT")
        }
        try fixture.schema.run("SELECT create_distributed_table($1, 'source')", [.text(parent)])
    }

    /// A monthly partition made by hand (Citus distributes it with its parent).
    private func partition(_ fixture: EngineFixture, _ table: String, _ year: Int, _ month: Int) throws {
        let name = fixture.schema.qualified("\(table)_\(year)_\(month)")
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        try fixture.schema.run(
            "CREATE TABLE \(name) PARTITION OF \(fixture.schema.qualified(table))"
                + String(format: " FOR VALUES FROM ('%04d-%02d-01Z') TO ('%04d-%02d-01Z')", year, month, next.0, next.1)
        )
    }

    /// `rows` rows over 50 sources, one every `minutes` minutes from `from`.
    private func insert(_ fixture: EngineFixture, _ table: String, rows: Int, from: String, minutes: Int = 1) throws {
        try fixture.schema.run(
            "INSERT INTO \(fixture.schema.qualified(table)) (source, received_at, payload)"
                + " SELECT 'source-' || (i % 50), $1::timestamptz + i * $3::int * interval '1 minute', 'p' || i"
                + " FROM generate_series(0, $2::int - 1) i", [.text(from), .text(String(rows)), .text(String(minutes))])
    }

    /// Each partition of `table` (the default one included): Citus table kind ('h' distributed), colocation
    /// group, access method, and rows (counted through the coordinator).
    private func partitions(_ fixture: EngineFixture, _ table: String) throws -> [String: PartitionFacts] {
        let rows = try fixture.schema.run(
            """
            SELECT c.oid::regclass::text AS qualified, c.relname::text AS name, p.partmethod::text AS method,
                   p.colocationid::int AS colocation, a.amname::text AS am
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_am a ON a.oid = c.relam
            LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
            WHERE i.inhparent = to_regclass($1)
            """, [.text(fixture.schema.qualified(table))]
        ).rows
        var facts: [String: PartitionFacts] = [:]
        for row in rows {
            let count = try fixture.schema.run("SELECT count(*)::int AS n FROM \(row["qualified"]!)").rows[0]["n"]!
            facts[row["name"]!] = PartitionFacts(
                method: row["method"], colocation: row["colocation"].flatMap { Int($0) }, accessMethod: row["am"]!,
                rows: Int(count)!)
        }
        return facts
    }

    private struct PartitionFacts {
        var method: String?
        var colocation: Int?
        var accessMethod: String
        var rows: Int
    }

    private func colocation(_ fixture: EngineFixture, _ table: String) throws -> Int {
        Int(
            try fixture.schema.run(
                "SELECT colocationid::int AS c FROM pg_dist_partition WHERE logicalrelid = to_regclass($1)",
                [.text(fixture.schema.qualified(table))]
            ).rows[0]["c"]!)!
    }

    private func fixture(_ prefix: String, _ settings: MaintenanceSettings = EngineFixture.fastSettings) throws
        -> EngineFixture
    {
        let conninfo: String = try #require(CitusServer.conninfo)
        return try EngineFixture(prefix, settings: settings, conninfo: conninfo)
    }

    @Test func newPartitionsAreDistributedAndColocatedWithTheirParent() throws {
        let fixture = try fixture("citus_create")
        try distributedParent(fixture, "events", withDefault: true)
        let spec = fixture.spec("events")

        let plan = try fixture.engine.plan([spec], now: instant("2026-11-26T10:00:00Z"))
        let distribution = try #require(plan.tables[0].distribution)
        #expect(
            distribution
                == CitusDistribution(
                    kind: .distributed, column: "source", shardCount: 32, colocationID: distribution.colocationID))
        #expect(!plan.citusWorker)

        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].created.count == 5)
        let parentGroup = try colocation(fixture, "events")
        let made = try partitions(fixture, "events")
        #expect(made.count == 6)
        for (name, facts) in made {
            #expect(facts.method == "h", "\(name) is not distributed")
            #expect(facts.colocation == parentGroup, "\(name) is not colocated with its parent")
        }
        // A second pass has nothing to do.
        let again = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        #expect(again.succeeded && again.tables[0].planned.isEmpty)
    }

    @Test func defaultPartitionRowsAreMovedAcrossShardsWithNothingLost() throws {
        let fixture = try fixture("citus_default")
        try distributedParent(fixture, "events", withDefault: true)
        // 1,500 rows over 50 sources (so over many shards on both workers), Dec 2026 to early Jan 2027,
        // all in the default partition since no partition exists yet.
        try insert(fixture, "events", rows: 1500, from: "2026-12-31T12:00:00Z")
        let before = try fixture.schema.run(
            "SELECT count(*)::int AS n, sum(id)::text AS ids FROM \(fixture.schema.qualified("events"))"
        ).rows[0]

        let report = fixture.pass([fixture.spec("events")], at: "2026-11-26T10:00:00Z")
        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].rowsMoved == 1500)
        let after = try fixture.schema.run(
            "SELECT count(*)::int AS n, sum(id)::text AS ids FROM \(fixture.schema.qualified("events"))"
        ).rows[0]
        #expect(after["n"] == before["n"] && after["ids"] == before["ids"])
        let made = try partitions(fixture, "events")
        #expect(made["events_default"]?.rows == 0)
        // 720 rows on Dec 31 from 12:00, the rest in January.
        #expect(made["events_p20261201"]?.rows == 720)
        #expect(made["events_p20270101"]?.rows == 780)
        #expect(made.values.allSatisfy { $0.method == "h" })
    }

    @Test(arguments: [RetentionAction.drop, .detach])
    func oldPartitionsAreRetiredWithAPlainDetach(_ action: RetentionAction) throws {
        let fixture = try fixture("citus_retire")
        try distributedParent(fixture, "events")
        for month in 1...3 { try partition(fixture, "events", 2026, month) }
        try insert(fixture, "events", rows: 100, from: "2026-01-10T00:00:00Z")

        // No default partition: on one server partmand would DETACH … CONCURRENTLY, which Citus refuses.
        let spec = fixture.spec("events", action: action, defaultPartition: false)
        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].retired.map(\.name.name) == ["events_2026_1", "events_2026_2", "events_2026_3"])
        let left = try partitions(fixture, "events")
        #expect(!left.keys.contains { $0.hasPrefix("events_2026_") })
        let detached = try fixture.schema.run(
            """
            SELECT c.relname::text AS name, c.relispartition AS attached,
                   EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid) AS distributed
            FROM pg_class c WHERE c.relnamespace = to_regnamespace($1) AND c.relname LIKE 'events_2026_%'
            """, [.text(fixture.schema.name)]
        ).rows
        switch action {
        case .drop:
            #expect(detached.isEmpty)
        default:
            #expect(detached.count == 3)
            #expect(detached.allSatisfy { $0["attached"] == "f" && $0["distributed"] == "t" })
            let kept = try fixture.schema.run(
                "SELECT count(*)::int AS n FROM \(fixture.schema.qualified("events_2026_1"))"
            ).rows[0]
            #expect(kept["n"] == "100")
        }
    }

    @Test func oldPartitionsBecomeColumnarKeepingTheirRowsAndRetentionDropsThemLater() throws {
        let fixture = try fixture("citus_columnar")
        let setup = try fixture.pool.withConnection { connection in
            try ColumnarSetup.run(
                [
                    TableSpec(
                        parent: QualifiedName(schema: fixture.schema.name, name: "events"), column: "received_at",
                        interval: CalendarInterval(1, .month), columnarAfter: CalendarInterval(3, .month))
                ],
                dryRun: false, on: connection)
        }
        #expect(setup.count == 1 && !setup[0].failed, "\(setup)")
        try distributedParent(fixture, "events", withDefault: true)
        for month in 6...11 { try partition(fixture, "events", 2026, month) }
        // One row every 10 minutes for 150 days: June to October.
        try insert(fixture, "events", rows: 6 * 24 * 150, from: "2026-06-01T00:00:00Z", minutes: 10)
        let before = try partitions(fixture, "events")
        var spec = fixture.spec("events")
        spec.columnarAfter = CalendarInterval(3, .month)

        // At 2026-11-26, three months back is 2026-08-26: June and July end by then.
        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].convertedToColumnar.map(\.name) == ["events_2026_6", "events_2026_7"])
        let after = try partitions(fixture, "events")
        for name in ["events_2026_6", "events_2026_7"] {
            #expect(after[name]?.accessMethod == "columnar")
            #expect(after[name]?.rows == before[name]?.rows && (before[name]?.rows ?? 0) > 0)
            #expect(after[name]?.method == "h" && after[name]?.colocation == before[name]?.colocation)
        }
        #expect(after["events_2026_8"]?.accessMethod == "heap")
        // Nothing left to convert.
        #expect(fixture.pass([spec], at: "2026-11-26T10:00:00Z").tables[0].planned.isEmpty)

        // Retention (6 months) at 2027-02-26 drops June and July, columnar as they are, and converts
        // August to October.
        let later = fixture.pass([spec], at: "2027-02-26T10:00:00Z")
        #expect(later.succeeded, "\(later.tables.flatMap(\.errors))")
        #expect(later.tables[0].retired.map(\.name.name) == ["events_2026_6", "events_2026_7"])
        #expect(
            later.tables[0].convertedToColumnar.map(\.name) == ["events_2026_8", "events_2026_9", "events_2026_10"])
    }

    @Test func aConversionUnderSteadyInsertsSucceedsAndLosesNothing() throws {
        let fixture = try fixture("citus_columnar_writers")
        _ = try fixture.pool.withConnection { connection in
            try ColumnarSetup.run(
                [
                    TableSpec(
                        parent: QualifiedName(schema: fixture.schema.name, name: "events"), column: "received_at",
                        interval: CalendarInterval(1, .month), columnarAfter: CalendarInterval(3, .month))
                ], dryRun: false, on: connection)
        }
        try distributedParent(fixture, "events", withDefault: true)
        for month in 7...12 { try partition(fixture, "events", 2026, month) }
        try insert(fixture, "events", rows: 50_000, from: "2026-07-01T00:00:00Z")
        var spec = fixture.spec("events")
        spec.columnarAfter = CalendarInterval(3, .month)

        // Writers insert through the coordinator all along: into the current month, and late rows into
        // July itself (they land in the default partition while July is detached, and move back with it).
        let table = fixture.schema.qualified("events")
        let writer = Writer(conninfo: try #require(CitusServer.conninfo)) { count in
            let late = count % 10 == 0
            return "INSERT INTO \(table) (source, received_at) VALUES ('w',"
                + (late ? " '2026-07-15T00:00:00Z')" : " '2026-11-26T10:00:00Z')")
        }
        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        #expect(writer.stop())

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.tables[0].convertedToColumnar.map(\.name) == ["events_2026_7"])
        #expect(writer.failure.value == nil)
        #expect(writer.inserted.value > 0)
        let total = try fixture.schema.run("SELECT count(*)::int AS n FROM \(table)").rows[0]["n"]
        #expect(total == String(50_000 + writer.inserted.value))
        let after = try partitions(fixture, "events")
        #expect(after["events_2026_7"]?.accessMethod == "columnar")
        #expect(after["events_2026_7"]?.method == "h")
        // The late July rows that reached the default partition while July was detached are back in July.
        #expect(after["events_default"]?.rows == 0)
        let recorded = try fixture.schema.run(
            "SELECT count(*)::int AS n FROM partmand.columnar_conversion WHERE partition_schema = $1",
            [.text(fixture.schema.name)]
        ).rows[0]
        #expect(recorded["n"] == "0")
    }

    @Test func aWorkerNodeDoesNothingAndSaysSo() throws {
        let fixture = try fixture("citus_worker")
        try distributedParent(fixture, "events", withDefault: true)
        let pool = ConnectionPool(
            options: ConnectionOptions(conninfo: try #require(CitusServer.workerConninfo)), size: 1,
            logger: TestServer.silentLogger)
        defer { pool.close() }
        let engine = MaintenanceEngine(
            pool: pool, settings: EngineFixture.fastSettings, logger: TestServer.silentLogger)
        let spec = fixture.spec("events")

        let report = engine.runPass([spec], now: instant("2026-11-26T10:00:00Z"), clock: .given(retireAnyway: true))
        #expect(report.citusWorker && !report.standby)
        #expect(report.tables.map(\.status) == [.skipped("server is a Citus worker node")])
        #expect(try engine.plan([spec], now: instant("2026-11-26T10:00:00Z")).citusWorker)
        // The coordinator's table is as it was: its default partition only.
        #expect(try partitions(fixture, "events").keys.sorted() == ["events_default"])
    }

    @Test func aLockHeldOnAWorkerShardEndsInLockTimeoutAndWritersGoOn() throws {
        let settings = MaintenanceSettings(
            lockTimeout: .milliseconds(200), exclusiveLockTimeout: .milliseconds(200), statementTimeout: .seconds(60),
            retries: 2, backoff: .milliseconds(50), maxBackoff: .milliseconds(100))
        let fixture = try fixture("citus_lock", settings)
        try distributedParent(fixture, "events")
        try partition(fixture, "events", 2026, 1)
        for month in 11...12 { try partition(fixture, "events", 2026, month) }
        let workerConninfo = try #require(CitusServer.workerConninfo)
        let shard = try #require(
            try fixture.schema.run(
                """
                SELECT shard_name(s.logicalrelid, s.shardid) AS shard  -- schema-qualified, quoted
                FROM pg_dist_shard s JOIN pg_dist_shard_placement p USING (shardid)
                WHERE s.logicalrelid = to_regclass($1) AND p.nodeport = $2::int
                ORDER BY s.shardid LIMIT 1
                """,
                [.text(fixture.schema.qualified("events")), .text(try port(of: workerConninfo))]
            ).rows.first?["shard"])
        // A long reader on one shard of the parent, on a worker: the retirement's DETACH waits for it there.
        let reader = try TestServer.connect(workerConninfo)
        defer { reader.close() }
        try reader.execute("BEGIN", purpose: "long reader")
        // (Citus refuses LOCK TABLE on a shard; a read holds ACCESS SHARE until the transaction ends.)
        try reader.execute("SELECT count(*) FROM \(shard)", purpose: "long reader")

        // Writers keep inserting through the coordinator while the pass runs.
        let table = fixture.schema.qualified("events")
        let writer = Writer(conninfo: try #require(CitusServer.conninfo)) { _ in
            "INSERT INTO \(table) (source, received_at) VALUES ('w', '2026-11-26T10:00:00Z')"
        }

        let report = fixture.pass([fixture.spec("events", defaultPartition: false)], at: "2026-11-26T10:00:00Z")
        // The pass ended while the reader still holds its lock: the worker's wait ended at lock_timeout.
        let insertedDuringPass = writer.inserted.value
        #expect(writer.stop())
        try reader.execute("ROLLBACK", purpose: "end the long reader")

        let table0 = try #require(report.tables.first)
        #expect(table0.status == .failed)
        #expect(table0.errors.first?.sqlState == "55P03", "\(table0.errors)")
        #expect(table0.lockRetries == 2)
        #expect(writer.failure.value == nil)
        #expect(insertedDuringPass > 0)
        // With the reader gone, the next pass retires the partition.
        let next = fixture.pass([fixture.spec("events", defaultPartition: false)], at: "2026-11-26T10:00:00Z")
        #expect(next.succeeded, "\(next.tables.flatMap(\.errors))")
        #expect(next.tables[0].retired.map(\.name.name) == ["events_2026_1"])
    }

    /// The `port=` of a conninfo.
    private func port(of conninfo: String) throws -> String {
        let field = try #require(conninfo.split(separator: " ").first { $0.hasPrefix("port=") })
        return String(field.dropFirst("port=".count))
    }
}

/// An application writing through the coordinator: one INSERT after another (`sql(n)` is the n-th) on a
/// connection of its own, until `stop()`.
private final class Writer: Sendable {
    /// INSERTs done.
    let inserted = LockedBox(0)
    /// The error that ended the writing, if any.
    let failure = LockedBox<String?>(nil)
    private let writing = LockedBox(true)
    private let done = DispatchSemaphore(value: 0)

    init(conninfo: String, sql: @escaping @Sendable (Int) -> String) {
        DispatchQueue.global().async { [self] in
            defer { done.signal() }
            do {
                let connection = try TestServer.connect(conninfo)
                defer { connection.close() }
                while writing.value {
                    try connection.execute(sql(inserted.value), purpose: "writer")
                    inserted.mutate { $0 += 1 }
                }
            } catch {
                failure.mutate { $0 = "\(error)" }
            }
        }
    }

    /// Stops the writing; false when it did not end within 30 s.
    func stop() -> Bool {
        writing.mutate { $0 = false }
        return done.wait(timeout: .now() + 30) == .success
    }
}
