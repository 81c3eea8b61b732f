import Foundation
import Logging
import PartmandPostgres
import PartmandTestSupport
import Testing

/// Where the integration tests find PostgreSQL: `PARTMAND_TEST_CONNINFO`, which `scripts/test` sets.
enum TestDatabase {
    /// A logger that drops everything.
    static let logger = Logger(label: "partmand.tests") { _ in SwiftLogNoOpLogHandler() }

    /// The test server's conninfo; records a failure (not a skip) when it is missing.
    static func conninfo() throws -> String {
        try TestServer.conninfo()
    }

    /// Options for the test server.
    static func options(applicationName: String = "partmand") throws -> ConnectionOptions {
        ConnectionOptions(conninfo: try conninfo(), applicationName: applicationName)
    }

    /// A new connection to the test server.
    static func connect(logger: Logger = logger) throws -> PostgresConnection {
        try PostgresConnection.connect(try options(), logger: logger)
    }

    /// A lower-case name unique to this test run, e.g. `pmt_orders_1a2b3c4d`.
    static func uniqueName(_ prefix: String) -> String {
        "pmt_\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Creates a schema unique to the caller, runs `body` with its name, and drops it.
    static func withSchema<T>(_ body: (PostgresConnection, String) throws -> T) throws -> T {
        let connection = try connect()
        defer { connection.close() }
        let schema = uniqueName("schema")
        try connection.execute("CREATE SCHEMA \(SQL.identifier(schema))", purpose: "create test schema")
        defer {
            _ = try? connection.execute("DROP SCHEMA \(SQL.identifier(schema)) CASCADE", purpose: "drop test schema")
        }
        return try body(connection, schema)
    }
}
