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

        /// A connection, a driver on it, and the set `events` read as a pass's first read does.
        private final class Attempt {
            let connection: PostgresConnection
            let driver: PartmanDriver
            let spec: TableSpec
            var surveyed: PartmanDriver.Inspection

            init(_ fixture: PartmanFixture, withTimeouts: Bool = true) throws {
                var options = ConnectionOptions(conninfo: fixture.conninfo)
                if withTimeouts { options = options.withMaintenanceTimeouts(PartmanFixture.fastSettings) }
                connection = try PostgresConnection.connect(options, logger: TestServer.silentLogger)
                driver = PartmanDriver(
                    connection: connection, partman: try #require(try PartmanExtension.find(on: connection)),
                    settings: PartmanFixture.fastSettings, jobmon: false, stop: StopSignal(), now: Date(),
                    logger: TestServer.silentLogger)
                spec = fixture.spec("events")
                surveyed = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)
            }

            deinit { connection.close() }

            /// Reads the set again, as the next pass's first read.
            func survey() throws {
                surveyed = try PartmanDriver.inspect(spec, partman: driver.partman, now: Date(), on: connection)
            }

            /// `maintainInOneStatement`: whether it called pg_partman, and the set's report.
            func run() throws -> (called: Bool, report: TableReport) {
                var report = TableReport(table: spec.parent, status: .ok)
                let called = try driver.maintainInOneStatement(spec, surveyed: surveyed, report: &report)
                return (called, report)
            }
        }

        /// Runs `attempt` expecting nothing called: the set's children unchanged, `locks` partmand locks held.
        private func expectNothingCalled(_ attempt: Attempt, _ fixture: PartmanFixture, locks: Int = 0) throws {
            let before = try fixture.children("events")
            #expect(try !attempt.run().called)
            #expect(try fixture.children("events") == before)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == locks)
        }

        private func show(_ setting: String, on connection: PostgresConnection) throws -> String? {
            try connection.query("SELECT current_setting($1)", [.text(setting)], purpose: "read").rows[0][0]
        }

        @Test("what pg_partman made is reported; no lock is left; the session's settings are as they were")
        func callsInOneStatement() throws {
            let fixture = try setWithWork("pmone")
            let before = try fixture.children("events")
            let attempt = try Attempt(fixture)
            #expect(attempt.driver.canMaintainInOneStatement(attempt.spec, surveyed: attempt.surveyed))

            let (called, report) = try attempt.run()

            #expect(called)
            let after = try fixture.children("events")
            let made = Set(after).subtracting(before)
            #expect(made.count == 2, "\(after)")
            #expect(Set(report.created.map(\.name)) == made, "\(report.summary)")
            #expect(report.retired.isEmpty)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
            #expect(try show("application_name", on: attempt.connection) == "partmand")
            #expect(try show("lock_timeout", on: attempt.connection) == "200ms")
            #expect(try show("statement_timeout", on: attempt.connection) == "30s")

            // Nothing left to do: the call writes nothing, so no lock is kept and nothing is reported.
            try attempt.survey()
            let again = try attempt.run()
            #expect(again.called)
            #expect(again.report.created.isEmpty && again.report.retired.isEmpty, "\(again.report.summary)")
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
        }

        @Test("nothing is called, and no lock held, without the configured statement_timeout")
        func needsTheSessionTimeout() throws {
            let fixture = try setWithWork("pmonest")
            try expectNothingCalled(try Attempt(fixture, withTimeouts: false), fixture)
        }

        @Test("nothing is called while another session holds the set's lock; the pass reports the holder")
        func busyLock() throws {
            let fixture = try setWithWork("pmonebusy")
            let holder = try TestServer.connect(fixture.conninfo)
            defer { holder.close() }
            let oid = try fixture.count(
                "SELECT to_regclass($1)::oid::int8", [.text(fixture.schema.qualified("events"))])
            let held = try #require(try TableLock.tryAcquire(parent: Int64(oid), on: holder))

            try expectNothingCalled(try Attempt(fixture), fixture, locks: 1)

            let pass = fixture.pass([fixture.spec("events")])
            guard case .skipped(let reason) = pass.tables[0].status else {
                Issue.record("not skipped: \(pass.tables[0].summary)")
                return
            }
            #expect(reason.hasPrefix("locked by another partmand"), "\(reason)")
            #expect(pass.tables[0].lockHolder?.pid == holder.backendPID, "\(pass.tables[0].summary)")
            held.release(on: holder)
            #expect(try fixture.advisoryLocksHeld(on: ["events"]) == 0)
        }

        @Test("nothing is called once the set changed since the first read")
        func changedSinceTheFirstRead() throws {
            let fixture = try setWithWork("pmonechg")
            let attempt = try Attempt(fixture)
            let furthest = try #require(try fixture.children("events").last)
            try fixture.schema.run("DROP TABLE \(fixture.schema.qualified(furthest))")
            try expectNothingCalled(attempt, fixture)
        }

        @Test("releaseIfHeld unlocks a lock this session kept, once, and nothing when there is none")
        func releaseIfHeld() throws {
            let fixture = try PartmanFixture("pmonerel")
            try fixture.register("events")
            let connection = try PostgresConnection.connect(
                ConnectionOptions(conninfo: fixture.conninfo), logger: TestServer.silentLogger)
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
