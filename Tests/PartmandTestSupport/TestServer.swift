import Foundation
import Logging
import PartmandPostgres
import Testing

/// Where the integration tests find PostgreSQL: `PARTMAND_TEST_CONNINFO`, which `scripts/test` sets.
public enum TestServer {
    /// A logger that drops everything.
    public static let silentLogger = Logger(label: "partmand.tests") { _ in SwiftLogNoOpLogHandler() }

    /// The test server's conninfo; records a failure (not a skip) when it is missing.
    public static func conninfo() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["PARTMAND_TEST_CONNINFO"],
            "PARTMAND_TEST_CONNINFO is not set: run the tests with scripts/test"
        )
    }

    /// A new connection to the test server.
    public static func connect(_ conninfo: String? = nil) throws -> PostgresConnection {
        try PostgresConnection.connect(
            ConnectionOptions(conninfo: try conninfo ?? Self.conninfo()), logger: silentLogger)
    }

    /// A new connection in an open transaction that holds `table` (a quoted name) in ACCESS EXCLUSIVE
    /// mode, as a long query or a forgotten transaction would; `close()` (or `ROLLBACK`) lets go.
    public static func holdingAccessExclusive(_ table: String, _ conninfo: String? = nil) throws
        -> PostgresConnection
    {
        let connection = try connect(conninfo)
        try connection.execute("BEGIN", purpose: "blocker")
        try connection.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE", purpose: "blocker")
        return connection
    }

    /// A lower-case name unique to this test run, e.g. `pmt_orders_1a2b3c4d`.
    public static func uniqueName(_ prefix: String) -> String {
        "pmt_\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// A schema of the calling test's own on the test server, dropped with everything in it by `drop()`.
// @unchecked: `connection` is replaced by `run` after a server restart; a schema belongs to one test, which
// uses it from one thread at a time.
public final class TestSchema: @unchecked Sendable {
    public let name: String
    private let conninfo: String?
    /// The schema's own connection; replaced when a test restarts the server under it.
    public private(set) var connection: PostgresConnection

    public init(_ prefix: String = "schema", conninfo: String? = nil) throws {
        self.conninfo = conninfo
        connection = try TestServer.connect(conninfo)
        name = TestServer.uniqueName(prefix)
        try connection.execute("CREATE SCHEMA \(SQL.identifier(name))", purpose: "create test schema")
    }

    /// Runs SQL on the schema's own connection (search_path is not changed: qualify names).
    @discardableResult
    public func run(_ sql: String, _ parameters: [PostgresValue?] = []) throws -> QueryResult {
        if !connection.isOpen || (try? connection.execute("SELECT 1", purpose: "ping")) == nil {
            connection.close()
            connection = try TestServer.connect(conninfo)
        }
        return try connection.query(sql, parameters, purpose: "test setup")
    }

    /// `schema.name`, quoted.
    public func qualified(_ table: String) -> String { SQL.qualified(name, table) }

    public func drop() {
        _ = try? run("DROP SCHEMA \(SQL.identifier(name)) CASCADE")
        connection.close()
    }
}
