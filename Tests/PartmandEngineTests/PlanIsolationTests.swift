import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// `MaintenanceEngine.plan` (used by `plan` and `health`) gives each table its own status: one table
/// that cannot be read fails alone, with its SQLSTATE.
@Suite struct PlanIsolationTests {
    static let now = instant("2026-11-26T10:00:00Z")

    /// Two tables, `events` and `orders`, each with a default partition and nothing else.
    private static func twoTables(_ prefix: String, conninfo: String? = nil) throws -> EngineFixture {
        let fixture = try EngineFixture(prefix, conninfo: conninfo)
        for table in ["events", "orders"] {
            try fixture.createParent(table)
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(table + "_default")) PARTITION OF"
                    + " \(fixture.schema.qualified(table)) DEFAULT")
        }
        return fixture
    }

    /// The other table is planned as usual: the month holding now and 4 ahead.
    private static func expectPlanned(_ report: TableReport?) {
        #expect(report?.status == .ok)
        #expect(report?.planned.count == 5, "\(String(describing: report?.planned))")
        #expect(report?.planned.allSatisfy { $0.kind == "create" } == true)
    }

    @Test func aLockedDefaultPartitionFailsOnlyItsTable() throws {
        let fixture = try Self.twoTables("planlock")
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("events_default"))
        defer { blocker.close() }
        defer { _ = try? blocker.execute("ROLLBACK", purpose: "unblock") }

        let plan = try fixture.engine.plan([fixture.spec("events"), fixture.spec("orders")], now: Self.now)
        #expect(!plan.standby)
        #expect(plan.tables.map(\.table.name) == ["events", "orders"])
        let events = plan.tables[0]
        #expect(events.status == .failed)
        #expect(events.errors.map(\.sqlState) == ["55P03"])
        #expect(events.errors.first?.isDatabaseError == true)
        #expect(events.errors.first?.message.contains("lock timeout") == true, "\(events.errors)")
        Self.expectPlanned(plan.tables[1])

        // A pass (in a transaction, with retries) fails the locked table too and maintains the other.
        let pass = fixture.pass([fixture.spec("events"), fixture.spec("orders")], at: "2026-11-26T10:00:00Z")
        #expect(pass.tables.map(\.status) == [.failed, .ok], "\(pass.tables.map(\.summary))")
        #expect(pass.tables.first?.errors.map(\.sqlState) == ["55P03"])
        _ = try? blocker.execute("ROLLBACK", purpose: "unblock")
        #expect(try fixture.partitionNames("orders").count == 6)
        #expect(try fixture.partitionNames("events") == ["events_default"])
    }

    @Test func aDefaultPartitionTheRoleCannotReadFailsOnlyItsTable() throws {
        let role = try TestRole("reader")
        defer { role.drop() }
        let setup = try Self.twoTables("plangrant")
        let grantee = SQL.identifier(role.name)
        try setup.schema.run("GRANT USAGE ON SCHEMA \(SQL.identifier(setup.schema.name)) TO \(grantee)")
        try setup.schema.run("GRANT SELECT ON \(setup.schema.qualified("orders_default")) TO \(grantee)")
        // A row in each default partition: an empty one (zero blocks) needs no read to be counted.
        for table in ["events", "orders"] {
            try setup.schema.run(
                "INSERT INTO \(setup.schema.qualified(table)) (received_at) VALUES ('2031-01-01+00')")
        }

        // The same tables, planned as the role that may read only orders' default partition.
        let pool = ConnectionPool(
            options: ConnectionOptions(conninfo: role.conninfo), size: 1, logger: TestServer.silentLogger)
        defer { pool.close() }
        let engine = MaintenanceEngine(
            pool: pool, settings: EngineFixture.fastSettings, logger: TestServer.silentLogger)
        let plan = try engine.plan([setup.spec("events"), setup.spec("orders")], now: Self.now)
        #expect(plan.tables.map(\.table.name) == ["events", "orders"])
        #expect(plan.tables[0].status == .failed)
        #expect(plan.tables[0].errors.map(\.sqlState) == ["42501"])
        #expect(plan.tables[0].errors.first?.message.contains("permission denied") == true)
        Self.expectPlanned(plan.tables[1])
    }

    @Test func insideATransactionEachReadRunsUnderASavepoint() throws {
        let fixture = try Self.twoTables("plansavepoint")
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("events_default"))
        defer { blocker.close() }
        defer { _ = try? blocker.execute("ROLLBACK", purpose: "unblock") }

        let connection = try TestServer.connect()
        defer { connection.close() }
        let specs = [fixture.spec("events"), fixture.spec("orders")]
        try connection.execute("BEGIN", purpose: "test")
        try connection.execute("SET LOCAL lock_timeout = '100ms'", purpose: "test")
        let catalogs = try CatalogReader.read(specs, isolatingFailures: true, on: connection)
        #expect(throws: TableError.self) { try catalogs[specs[0].parent]?.get() }
        #expect(try catalogs[specs[1].parent]?.get().snapshot.defaultRows?.count == 0)
        // The transaction is still usable.
        #expect(connection.transactionStatus == .inTransaction)
        try connection.execute("SELECT 1", purpose: "test")
        try connection.execute("ROLLBACK", purpose: "test")

        // Without isolation (as in a pass's per-table read), the error is thrown, for the caller to retry.
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("SET lock_timeout = '100ms'", purpose: "test")
            _ = try CatalogReader.read(specs, on: connection)
        }
        #expect(error?.sqlState == "55P03")
    }

    @Test func onAStandbyThePlanSaysSo() throws {
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        let fixture = try EngineFixture("planstandby", conninfo: cluster.conninfo)
        try fixture.createParent("events")
        try cluster.becomeStandby()

        let plan = try fixture.engine.plan([fixture.spec("events")], now: Self.now)
        #expect(plan.standby)
        // The catalog is read all the same (health judges the tables on a standby too).
        #expect(plan.tables.map(\.status) == [.ok])
        #expect(plan.tables.first?.planned.count == 6)
    }
}
