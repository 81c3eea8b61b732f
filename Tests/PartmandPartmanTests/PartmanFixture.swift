import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// The server the pg_partman tests use: the shared test server when it can run PL/pgSQL (pg_partman is
/// written in it), else one private cluster for this test process (a shared server whose binaries were
/// upgraded under it cannot load plpgsql.so until restarted).
enum PartmanServer {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var chosen: String?
    nonisolated(unsafe) private static var cluster: PrivateCluster?

    static func conninfo() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let chosen { return chosen }
        let shared = try TestServer.conninfo()
        var conninfo = shared
        let probe = try TestServer.connect(shared)
        defer { probe.close() }
        if (try? probe.execute("DO $$ BEGIN END $$", purpose: "probe plpgsql")) == nil {
            let cluster = try PrivateCluster()
            Self.cluster = cluster
            atexit { PartmanServer.stopCluster() }
            conninfo = cluster.conninfo
        }
        // The extension is shared by parallel tests: created once, under an advisory lock, never dropped.
        let connection = try TestServer.connect(conninfo)
        defer { connection.close() }
        try connection.execute("SELECT pg_advisory_lock(hashtext('partmand tests: pg_partman'))", purpose: "lock")
        try connection.execute("CREATE SCHEMA IF NOT EXISTS partman", purpose: "create schema partman")
        try connection.execute("CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman", purpose: "create extension")
        try connection.execute("SELECT pg_advisory_unlock(hashtext('partmand tests: pg_partman'))", purpose: "unlock")
        chosen = conninfo
        return conninfo
    }

    static func stopCluster() {
        cluster?.stop()
    }
}

/// A test schema, an engine for pg_partman sets, and helpers; cleans its part_config rows.
final class PartmanFixture: @unchecked Sendable {
    let schema: TestSchema
    let pool: ConnectionPool
    let engine: MaintenanceEngine
    let conninfo: String

    static let fastSettings = MaintenanceSettings(
        lockTimeout: .milliseconds(200), statementTimeout: .seconds(30), retries: 2, backoff: .milliseconds(50),
        maxBackoff: .milliseconds(200))

    init(_ prefix: String, partman: PartmanOptions = PartmanOptions()) throws {
        conninfo = try PartmanServer.conninfo()
        schema = try TestSchema(prefix, conninfo: conninfo)
        pool = ConnectionPool(options: ConnectionOptions(conninfo: conninfo), size: 2, logger: TestServer.silentLogger)
        engine = MaintenanceEngine(
            pool: pool, settings: Self.fastSettings, logger: TestServer.silentLogger, partman: partman)
    }

    deinit {
        _ = try? schema.run("DELETE FROM partman.part_config WHERE parent_table LIKE $1", [.text(schema.name + ".%")])
        pool.close()
        schema.drop()
    }

    /// `schema.table` as pg_partman spells it.
    func parentTable(_ table: String) -> String { "\(schema.name).\(table)" }

    func createParent(_ table: String) throws {
        try schema.run(
            "CREATE TABLE \(schema.qualified(table)) (id bigint GENERATED ALWAYS AS IDENTITY,"
                + " received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)")
    }

    /// Registers `table` with pg_partman 4.7 by hand (monthly), partitions starting `monthsBack` months ago.
    func register(_ table: String, monthsBack: Int = 2, premake: Int = 4, retention: String? = nil) throws {
        try createParent(table)
        try schema.run(
            "SELECT partman.create_parent(p_parent_table => $1, p_control => 'received_at', p_type => 'native',"
                + " p_interval => 'monthly', p_premake => $2::int,"
                + " p_start_partition => (date_trunc('month', now()) - make_interval(months => $3::int))::text)",
            [.text(parentTable(table)), .text(String(premake)), .text(String(monthsBack))])
        if let retention {
            try schema.run(
                "UPDATE partman.part_config SET retention = $2, retention_keep_table = false WHERE parent_table = $1",
                [.text(parentTable(table)), .text(retention)])
        }
    }

    func spec(_ table: String, defaultRows: DefaultRowsPolicy = .refuse, engine: EngineKind = .pgPartman) -> TableSpec {
        TableSpec(
            parent: QualifiedName(schema: schema.name, name: table), column: "received_at",
            interval: CalendarInterval(1, .month), premake: 4, engine: engine, defaultRows: defaultRows)
    }

    func pass(_ specs: [TableSpec]) -> PassReport {
        engine.runPass(specs, now: Date(), clock: .system)
    }

    /// Child names of `table` (default excluded), sorted.
    func children(_ table: String) throws -> [String] {
        try schema.run(
            "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                + " WHERE i.inhparent = to_regclass($1) AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT' ORDER BY 1",
            [.text(schema.qualified(table))]
        ).rows.map { $0["name"]! }
    }

    func count(_ sql: String, _ parameters: [PostgresValue?] = []) throws -> Int {
        Int(try schema.run(sql, parameters).rows[0][0]!)!
    }

    /// partmand advisory locks held by anyone on the parents of `tables`.
    func advisoryLocksHeld(on tables: [String]) throws -> Int {
        try tables.reduce(0) { total, table in
            try total
                + count(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::oid"
                        + " AND objid = to_regclass($2)::oid",
                    [.text(String(0x7061_7274)), .text(schema.qualified(table))])
        }
    }
}
