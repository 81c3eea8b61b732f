import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Synchronization
import Testing

/// Every pg_partman suite, one after the other: `run_maintenance` takes one advisory lock for the whole
/// database (`hashtext('pg_partman run_maintenance')`), so parallel suites would see each other's
/// maintenance as "already running".
@Suite(.serialized) enum PartmanSuites {}

/// The server the pg_partman tests use: the shared test server when it can run PL/pgSQL (pg_partman is
/// written in it), else one private cluster for this test process (a shared server whose binaries were
/// upgraded under it cannot load plpgsql.so until restarted).
///
/// The pg_partman version under test is `PARTMAND_TEST_PARTMAN_VERSION` (default 4.7.2, Debian's
/// package); another version gets a database of its own on that server (`partmand_partman_5_0_1`), so
/// `scripts/test` runs this suite once per version.
enum PartmanServer {
    /// The server chosen by the first caller, and the private cluster started for it, if any.
    private static let chosen = Mutex<(conninfo: String?, cluster: PrivateCluster?)>((nil, nil))

    /// The pg_partman version under test.
    static let version = ProcessInfo.processInfo.environment["PARTMAND_TEST_PARTMAN_VERSION"] ?? "4.7.2"
    /// Whether it is a 5.x (create_parent takes p_type 'range', children are named _pYYYYMMDD).
    static var isFive: Bool { version.hasPrefix("5.") }

    static func conninfo() throws -> String {
        try chosen.withLock { chosen in
            if let conninfo = chosen.conninfo { return conninfo }
            let conninfo = try prepare(cluster: &chosen.cluster)
            chosen.conninfo = conninfo
            return conninfo
        }
    }

    /// Picks the server (starting a private cluster into `cluster` when needed) and installs the version
    /// under test there; returns its conninfo.
    private static func prepare(cluster chosenCluster: inout PrivateCluster?) throws -> String {
        let shared = try TestServer.conninfo()
        var conninfo = shared
        let probe = try TestServer.connect(shared)
        defer { probe.close() }
        if (try? probe.execute("DO $$ BEGIN END $$", purpose: "probe plpgsql")) == nil {
            let cluster = try PrivateCluster()
            chosenCluster = cluster
            atexit { PartmanServer.stopCluster() }
            conninfo = cluster.conninfo
        }
        let available = try TestServer.connect(conninfo)
        defer { available.close() }
        let offered = try available.query(
            "SELECT 1 FROM pg_available_extension_versions WHERE name = 'pg_partman' AND version = $1",
            [.text(version)], purpose: "look for pg_partman \(version)")
        try #require(
            !offered.rows.isEmpty,
            "pg_partman \(version) is not installed on the test server: these tests did NOT run (for 5.0.1: ../shared/tools/install-pg_partman5)"
        )
        if version != "4.7.2" {
            conninfo += " dbname=partmand_partman_" + version.replacingOccurrences(of: ".", with: "_")
            try createDatabase(of: conninfo, on: available)
        }
        // The extension is shared by parallel tests: created once, under an advisory lock, never dropped.
        let connection = try TestServer.connect(conninfo)
        defer { connection.close() }
        try connection.execute("SELECT pg_advisory_lock(hashtext('partmand tests: pg_partman'))", purpose: "lock")
        try connection.execute("CREATE SCHEMA IF NOT EXISTS partman", purpose: "create schema partman")
        try connection.query(
            "SELECT format('CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman VERSION %L', $1::text) AS ddl",
            [.text(version)], purpose: "spell create extension"
        ).rows[0]["ddl"].map { try connection.execute($0, purpose: "create extension pg_partman \(version)") }
        try connection.execute("SELECT pg_advisory_unlock(hashtext('partmand tests: pg_partman'))", purpose: "unlock")
        return conninfo
    }

    /// Creates the database `conninfo` names when it does not exist yet.
    private static func createDatabase(of conninfo: String, on connection: PostgresConnection) throws {
        let name = String(conninfo.split(separator: "=").last!)
        try connection.execute("SELECT pg_advisory_lock(hashtext('partmand tests: databases'))", purpose: "lock")
        defer {
            _ = try? connection.execute(
                "SELECT pg_advisory_unlock(hashtext('partmand tests: databases'))", purpose: "unlock")
        }
        let exists = try connection.query(
            "SELECT 1 FROM pg_database WHERE datname = $1", [.text(name)], purpose: "look for database")
        if exists.rows.isEmpty {
            try connection.execute("CREATE DATABASE \(SQL.identifier(name))", purpose: "create database \(name)")
        }
    }

    static func stopCluster() {
        chosen.withLock { $0.cluster }?.stop()
    }
}

/// A test schema, an engine for pg_partman sets, and helpers; cleans its part_config rows.
final class PartmanFixture: Sendable {
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
        pool = ConnectionPool(
            options: ConnectionOptions(conninfo: conninfo).withMaintenanceTimeouts(Self.fastSettings), size: 2,
            logger: TestServer.silentLogger)
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

    /// Registers `table` with pg_partman by hand (monthly; 4.7's or 5.x's create_parent), partitions
    /// starting `monthsBack` months ago.
    func register(_ table: String, monthsBack: Int = 2, premake: Int = 4, retention: String? = nil) throws {
        try createParent(table)
        let kind =
            PartmanServer.isFive
            ? "p_type => 'range', p_interval => '1 month'" : "p_type => 'native', p_interval => 'monthly'"
        try schema.run(
            "SELECT partman.create_parent(p_parent_table => $1, p_control => 'received_at', \(kind),"
                + " p_premake => $2::int,"
                + " p_start_partition => (date_trunc('month', now()) - make_interval(months => $3::int))::text)",
            [.text(parentTable(table)), .text(String(premake)), .text(String(monthsBack))])
        if let retention {
            try schema.run(
                "UPDATE partman.part_config SET retention = $2, retention_keep_table = false WHERE parent_table = $1",
                [.text(parentTable(table)), .text(retention)])
        }
    }

    /// Inserts a row received now into each of `tables`: pg_partman premakes ahead of the newest data, and
    /// 5.0.1 does so even with infinite_time_partitions on (an empty 5.0.1 set gets no new children).
    func insertNow(_ tables: String...) throws {
        for table in tables {
            try schema.run("INSERT INTO \(schema.qualified(table)) (received_at) VALUES (now())")
        }
    }

    /// How pg_partman names a monthly child: `_pYYYY_MM` in 4.x, `_pYYYYMMDD` in 5.x.
    static var monthlyChildPattern: String { PartmanServer.isFive ? #"_p\d{8}$"# : #"_p\d{4}_\d{2}$"# }

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
