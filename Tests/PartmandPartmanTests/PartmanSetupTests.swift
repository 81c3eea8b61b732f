import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

extension PartmanSuites {
    @Suite("partmand setup with pg_partman (the version under test)", .serialized)
    struct PartmanSetupTests {
        @Test("the reference webhook_events table is registered once; a second run changes nothing; --update applies")
        func referenceSetup() throws {
            let fixture = try PartmanFixture("pmsetup")
            try fixture.createParent("webhook_events")
            var spec = fixture.spec("webhook_events")
            spec.premake = 4
            spec.retention = CalendarInterval(6, .month)
            let connection = try TestServer.connect(fixture.conninfo)
            defer { connection.close() }
            func setup(_ spec: TableSpec, dryRun: Bool = false, update: Bool = false) throws -> [PartmanSetup.Step] {
                try PartmanSetup(connection: connection, options: PartmanOptions(), dryRun: dryRun, update: update).run(
                    [
                        spec
                    ])
            }

            let dry = try setup(spec, dryRun: true)
            #expect(dry.count == 1 && dry[0].changed && dry[0].message.hasPrefix("would register"), "\(dry)")
            #expect(try fixture.children("webhook_events").isEmpty)

            let first = try setup(spec)
            #expect(first.count == 1 && first[0].changed && !first[0].failed, "\(first)")
            let row = try fixture.schema.run(
                "SELECT partition_type, partition_interval, premake, retention, retention_keep_table,"
                    + " infinite_time_partitions::text AS inf FROM partman.part_config WHERE parent_table = $1",
                [.text(fixture.parentTable("webhook_events"))]
            ).rows[0]
            #expect(row["partition_type"] == (PartmanServer.isFive ? "range" : "native"))
            #expect(row["premake"] == "4" && row["retention"] == "6 months" && row["retention_keep_table"] == "f")
            #expect(row["inf"] == "true")
            let children = try fixture.children("webhook_events")
            #expect(children.count >= 5 && children.allSatisfy { $0.hasPrefix("webhook_events_p") }, "\(children)")

            let second = try setup(spec)
            #expect(second.count == 1 && !second[0].changed && !second[0].failed, "\(second)")
            #expect(second[0].message.contains("nothing to do"))

            var changed = spec
            changed.premake = 6
            let refused = try setup(changed)
            #expect(refused[0].failed && refused[0].message.contains("premake: 4 -> 6"), "\(refused)")
            let updated = try setup(changed, update: true)
            #expect(updated[0].changed && !updated[0].failed, "\(updated)")
            #expect(
                try fixture.count(
                    "SELECT premake FROM partman.part_config WHERE parent_table = $1",
                    [.text(fixture.parentTable("webhook_events"))]) == 6)

            // The registered set is then maintained by partmand through pg_partman (a parallel `tables: all`
            // pass may get there first, so count children rather than this pass's creations).
            try fixture.insertNow("webhook_events")
            let report = fixture.pass([changed])
            #expect(report.tables[0].status != .failed, "\(report.tables[0].summary)")
            #expect(try fixture.children("webhook_events").count >= children.count + 2)
        }

        @Test("a missing table is refused with a clear message; a native table is created from its create: file")
        func missingAndCreate() throws {
            let fixture = try PartmanFixture("pmsetup2")
            let connection = try TestServer.connect(fixture.conninfo)
            defer { connection.close() }
            let setup = PartmanSetup(connection: connection, options: PartmanOptions(), dryRun: false, update: false)
            let missing = try setup.run([fixture.spec("nothere")])
            #expect(missing[0].failed && missing[0].message.contains("does not exist"), "\(missing)")

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(fixture.schema.name).sql").path
            // A file of several statements, like config/reference-schema.sql.
            try """
            CREATE TABLE \(fixture.schema.qualified("audit")) (at timestamptz NOT NULL) PARTITION BY RANGE (at);
            CREATE INDEX ON \(fixture.schema.qualified("audit")) (at);
            """.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            var native = fixture.spec("audit", engine: .native)
            let refused = try setup.run([native])
            #expect(refused[0].failed && refused[0].message.contains("create:"), "\(refused)")
            native.createFile = file
            let created = try setup.run([native])
            #expect(created[0].changed && !created[0].failed, "\(created)")
            #expect(try setup.run([native])[0].changed == false)
        }
    }
}
