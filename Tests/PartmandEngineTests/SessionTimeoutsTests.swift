import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// Maintenance sessions start with the configured timeouts as their own, and keep them.
@Suite struct SessionTimeoutsTests {
    private let settings = MaintenanceSettings(lockTimeout: .milliseconds(1234), statementTimeout: .seconds(56))

    private func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(
            ConnectionOptions(conninfo: try TestServer.conninfo()).withMaintenanceTimeouts(settings),
            logger: TestServer.silentLogger)
    }

    private func show(_ name: String, on connection: PostgresConnection) throws -> String? {
        try connection.query("SELECT current_setting($1)", [.text(name)], purpose: "read").rows[0][0]
    }

    @Test("a session opened with the maintenance timeouts has them as its own")
    func sessionStartsWithThem() throws {
        let connection = try connect()
        defer { connection.close() }
        #expect(try show("lock_timeout", on: connection) == "1234ms")
        #expect(try show("statement_timeout", on: connection) == "56s")
        #expect(try show("TimeZone", on: connection) == "UTC")
    }

    /// `RESET` would take the session back to the server's defaults (no timeouts at all).
    @Test("work outside a transaction with its own lock timeout puts the session's timeouts back, not RESET")
    func outsideTransactionPutsThemBack() throws {
        let connection = try connect()
        defer { connection.close() }
        let runner = TransactionRunner(
            connection: connection, settings: settings, stop: StopSignal(), logger: TestServer.silentLogger)
        let inside = try runner.outsideTransaction("read", lockTimeout: .milliseconds(250)) {
            try show("lock_timeout", on: connection)
        }
        #expect(inside == "250ms")
        #expect(try show("lock_timeout", on: connection) == "1234ms")
        #expect(try show("statement_timeout", on: connection) == "56s")

        #expect(throws: PostgresError.self) {
            try runner.outsideTransaction("fail", lockTimeout: .milliseconds(250)) {
                try connection.query("SELECT 1/0", purpose: "fail")
            }
        }
        #expect(try show("lock_timeout", on: connection) == "1234ms")
    }
}
