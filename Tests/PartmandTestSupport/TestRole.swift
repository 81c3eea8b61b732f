import Foundation
import PartmandPostgres

/// A login role of the calling test's own on the test server, with no privileges but those the test
/// grants (and read access to partmand's own schema, which every plan reads); `drop()` removes it.
public final class TestRole: Sendable {
    public let name: String
    private let server: String
    private let admin: PostgresConnection

    /// A role on the test server, or on the server `conninfo` names.
    public init(_ prefix: String = "role", conninfo: String? = nil) throws {
        name = TestServer.uniqueName(prefix)
        server = try conninfo ?? TestServer.conninfo()
        admin = try TestServer.connect(server)
        do {
            try admin.execute("CREATE ROLE \(SQL.identifier(name)) LOGIN", purpose: "create test role")
        } catch {
            admin.close()
            throw error
        }
        do {
            try grantLedger()
        } catch {
            drop()
            throw error
        }
    }

    /// partmand's retirement ledger (partmand.retirement) may exist on the shared server, or be created
    /// while the test runs: let the role read it either way.
    private func grantLedger() throws {
        let role = SQL.identifier(name)
        do {
            try admin.execute("CREATE SCHEMA IF NOT EXISTS partmand", purpose: "test setup")
        } catch {
            // Created by someone else at the same moment: fine.
            guard ["23505", "42P06"].contains(error.sqlState ?? "") else { throw error }
        }
        try admin.execute("GRANT USAGE ON SCHEMA partmand TO \(role)", purpose: "test setup")
        try admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA partmand TO \(role)", purpose: "test setup")
        try admin.execute(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA partmand GRANT SELECT ON TABLES TO \(role)", purpose: "test setup")
    }

    /// The server's conninfo, connecting as this role.
    public var conninfo: String { server + " user=\(name)" }

    /// Revokes everything granted to the role and drops it.
    public func drop() {
        _ = try? admin.execute("DROP OWNED BY \(SQL.identifier(name))", purpose: "drop test role")
        _ = try? admin.execute("DROP ROLE IF EXISTS \(SQL.identifier(name))", purpose: "drop test role")
        admin.close()
    }
}
