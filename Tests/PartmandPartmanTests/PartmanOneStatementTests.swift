import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

extension PartmanSuites {
    /// A set whose first read leaves nothing to do before pg_partman's call is maintained in one statement
    /// that locks, checks, calls and (only when the call wrote) keeps the lock to read what changed.
    @Suite("pg_partman driver: a steady set in one statement", .serialized)
    struct PartmanOneStatementTests {
        /// A registered set that pg_partman has work on (premake raised from 2 to 4 after registration).
        private func setWithWork(_ prefix: String) throws -> PartmanFixture {
            let fixture = try PartmanFixture(prefix)
            try fixture.register("events", premake: 2)
            try fixture.schema.run(
                "UPDATE partman.part_config SET premake = 4, infinite_time_partitions = true WHERE parent_table = $1",
                [.text(fixture.parentTable("events"))])
            try fixture.insertNow("events")
            return fixture
        }

        private func driver(on connection: PostgresConnection) throws -> PartmanDriver {
            PartmanDriver(
                connection: connection, partman: try #require(try PartmanExtension.find(on: connection)),
                settings: PartmanFixture.fastSettings, jobmon: false, stop: StopSignal(), now: Date(),
                logger: TestServer.silentLogger)
        }

        private func connect(_ fixture: PartmanFixture, withTimeouts: Bool = true) throws -> PostgresConnection {
            var options = ConnectionOptions(conninfo: fixture.conninfo)
            if withTimeouts { options = options.withMaintenanceTimeouts(PartmanFixture.fastSettings) }
            return try PostgresConnection.connect(options, logger: TestServer.silentLogger)
        }

        @Test("what pg_partman made is reported; no lock is left; the session's settings are as they were")
        func callsInOneStatement() throws {
            let fixture = try setWithWork("pmone")
            let connection = try connect(fixture)
            defer { connection.close() }
            let driver = try driver(on: connection)
            let spec = fixture.spec("events")
            let before = try fixture.children("events")
            let surveyed = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)
            #expect(driver.canMaintainInOneStatement(spec, surveyed: surveyed))

            var report = TableReport(table: spec.parent, status: .ok)
            #expect(try driver.maintainInOneStatement(spec, surveyed: surveyed, report: &report))

            let after = try fixture.children("events")
            let made = Set(after).subtracting(before)
            #expect(made.count == 2, "\(after)")
            #expect(Set(report.created.map(\.name)) == made, "\(report.summary)")
            #expect(report.retired.isEmpty)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
            #expect(try connection.query("SHOW application_name", purpose: "read").rows[0][0] == "partmand")
            #expect(try connection.query("SHOW lock_timeout", purpose: "read").rows[0][0] == "200ms")
            #expect(try connection.query("SHOW statement_timeout", purpose: "read").rows[0][0] == "30s")

            // Nothing left to do: the call writes nothing, so no lock is kept and nothing is reported.
            let steady = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)
            var again = TableReport(table: spec.parent, status: .ok)
            #expect(try driver.maintainInOneStatement(spec, surveyed: steady, report: &again))
            #expect(again.created.isEmpty && again.retired.isEmpty, "\(again.summary)")
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
        }

        @Test("nothing is called, and no lock held, without the configured statement_timeout")
        func needsTheSessionTimeout() throws {
            let fixture = try setWithWork("pmonest")
            let connection = try connect(fixture, withTimeouts: false)
            defer { connection.close() }
            let driver = try driver(on: connection)
            let spec = fixture.spec("events")
            let before = try fixture.children("events")
            let surveyed = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)

            var report = TableReport(table: spec.parent, status: .ok)
            #expect(try !driver.maintainInOneStatement(spec, surveyed: surveyed, report: &report))
            #expect(try fixture.children("events") == before)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
        }

        @Test("nothing is called while another session holds the set's lock; the pass reports the holder")
        func busyLock() throws {
            let fixture = try setWithWork("pmonebusy")
            let holder = try TestServer.connect(fixture.conninfo)
            defer { holder.close() }
            let oid = try fixture.count(
                "SELECT to_regclass($1)::oid::int8", [.text(fixture.schema.qualified("events"))])
            let held = try #require(try TableLock.tryAcquire(parent: Int64(oid), on: holder))
            let connection = try connect(fixture)
            defer { connection.close() }
            let driver = try driver(on: connection)
            let spec = fixture.spec("events")
            let before = try fixture.children("events")
            let surveyed = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)

            var report = TableReport(table: spec.parent, status: .ok)
            #expect(try !driver.maintainInOneStatement(spec, surveyed: surveyed, report: &report))
            #expect(try fixture.children("events") == before)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 1)

            let pass = fixture.pass([spec])
            guard case .skipped(let reason) = pass.tables[0].status else {
                Issue.record("not skipped: \(pass.tables[0].summary)")
                return
            }
            #expect(reason.hasPrefix("locked by another partmand"), "\(reason)")
            #expect(pass.tables[0].lockHolder?.pid == holder.backendPID, "\(pass.tables[0].summary)")
            held.release(on: holder)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
        }

        @Test("nothing is called once the set changed since the first read; the pass reads it again")
        func changedSinceTheFirstRead() throws {
            let fixture = try setWithWork("pmonechg")
            let connection = try connect(fixture)
            defer { connection.close() }
            let driver = try driver(on: connection)
            let spec = fixture.spec("events")
            let surveyed = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)
            let furthest = try #require(try fixture.children("events").last)
            try fixture.schema.run("DROP TABLE \(fixture.schema.qualified(furthest))")
            let before = try fixture.children("events")

            var report = TableReport(table: spec.parent, status: .ok)
            #expect(try !driver.maintainInOneStatement(spec, surveyed: surveyed, report: &report))
            #expect(try fixture.children("events") == before)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
        }

        @Test("releaseIfHeld unlocks a lock this session kept, once, and nothing when there is none")
        func releaseIfHeld() throws {
            let fixture = try PartmanFixture("pmonerel")
            try fixture.register("events")
            let connection = try connect(fixture)
            defer { connection.close() }
            let oid = UInt32(
                try fixture.count("SELECT to_regclass($1)::oid::int8", [.text(fixture.schema.qualified("events"))]))
            try connection.query(
                "SELECT pg_advisory_lock($1::int8)", [.text(String(TableLock.key(parent: oid)))], purpose: "lock")
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 1)
            #expect(try TableLock.releaseIfHeld(parent: oid, on: connection))
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
            #expect(try !TableLock.releaseIfHeld(parent: oid, on: connection))
        }
    }
}
