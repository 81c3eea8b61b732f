import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// The table lock's release that also reads the table's partition names (the pg_partman driver's last
/// round trip for a set).
@Suite struct TableLockTests {
    @Test("release with the partition names: every name as stored, one unlock, the session's settings back")
    func releaseReadingPartitionNames() throws {
        let fixture = try EngineFixture("tablelock")
        try fixture.createParent("events")
        let names = ["events_2030_01", #"odd "name""#, "Ünïcode"]
        for (month, name) in names.enumerated() {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(name)) PARTITION OF \(fixture.schema.qualified("events"))"
                    + " FOR VALUES FROM ('2030-0\(month + 1)-01+00') TO ('2030-0\(month + 2)-01+00')")
        }
        let connection = try TestServer.connect()
        defer { connection.close() }
        try connection.query("SET lock_timeout = '7s'", purpose: "a setting of the session's own")
        let table = QualifiedName(schema: fixture.schema.name, name: "events")
        guard
            case .acquired(let lock) = try TableLock.acquire(
                table, timeouts: (.milliseconds(250), .seconds(9)), on: connection)
        else {
            Issue.record("the lock was not taken")
            return
        }
        #expect(try fixture.partmandAdvisoryLocksHeld(on: ["events"]) == 1)
        #expect(try connection.query("SHOW lock_timeout", purpose: "read").rows[0][0] == "250ms")
        let oid = try connection.query(
            "SELECT to_regclass($1)::oid::int8 AS oid", [.text(table.sql)], purpose: "look up"
        ).rows[0].int64("oid")

        // The same lock taken once more: the statement that releases it, which returns one row per
        // partition, must unlock exactly once, leaving this level held.
        try connection.query("SELECT pg_advisory_lock($1::int8)", [.text(String(lock.key))], purpose: "relock")

        let read = try lock.release(on: connection, readingPartitionNamesOf: UInt32(oid))

        #expect(read == Set(names.map { QualifiedName(schema: fixture.schema.name, name: $0) }))
        #expect(try fixture.partmandAdvisoryLocksHeld(on: ["events"]) == 1)
        let unlocked = try connection.query(
            "SELECT pg_advisory_unlock($1::int8) AS unlocked", [.text(String(lock.key))], purpose: "unlock the rest")
        #expect(try unlocked.rows[0].bool("unlocked"))
        #expect(try fixture.partmandAdvisoryLocksHeld(on: ["events"]) == 0)
        #expect(try connection.query("SHOW lock_timeout", purpose: "read").rows[0][0] == "7s")
        #expect(try connection.query("SHOW application_name", purpose: "read").rows[0][0] == "partmand")
        lock.release(on: connection)  // a second release does nothing
        #expect(try connection.query("SHOW lock_timeout", purpose: "read").rows[0][0] == "7s")
    }
}
