import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// What differs in pg_partman 5.x, against the real 5.0.1 (the reference deployment's version). Runs
/// in the 5.0.1 round of this suite (`PARTMAND_TEST_PARTMAN_VERSION=5.0.1`, which `scripts/test` runs
/// when pg_partman 5.0.1 is installed, and says loudly that it did not when it is not).
extension PartmanSuites {
    @Suite(
        "pg_partman 5.x", .serialized,
        .enabled(if: PartmanServer.isFive, "runs only against pg_partman 5.x (PARTMAND_TEST_PARTMAN_VERSION=5.0.1)"))
    struct PartmanFiveTests {
        @Test("setup calls 5.x's create_parent (p_type 'range', '1 month'); children are named _pYYYYMMDD")
        func setupOnFive() throws {
            let fixture = try PartmanFixture("pm5setup")
            try fixture.createParent("webhook_events")
            var spec = fixture.spec("webhook_events")
            spec.retention = CalendarInterval(6, .month)
            let connection = try TestServer.connect(fixture.conninfo)
            defer { connection.close() }
            let installed = try #require(try PartmanExtension.find(on: connection))
            #expect(installed.version == "5.0.1")

            let steps = try PartmanSetup(
                connection: connection, options: PartmanOptions(), dryRun: false, update: false
            )
            .run([spec])

            #expect(steps.count == 1 && steps[0].changed && !steps[0].failed, "\(steps)")
            let row = try fixture.schema.run(
                "SELECT partition_type, partition_interval FROM partman.part_config WHERE parent_table = $1",
                [.text(fixture.parentTable("webhook_events"))]
            ).rows[0]
            #expect(row["partition_type"] == "range")
            #expect(row["partition_interval"] == "1 mon")
            let children = try fixture.children("webhook_events")
            let thisMonth = try fixture.schema.run(
                "SELECT 'webhook_events_p' || to_char(date_trunc('month', now()), 'YYYYMMDD') AS name"
            ).rows[0]["name"]!
            #expect(children.contains(thisMonth), "\(children)")
            #expect(
                children.allSatisfy { $0.range(of: #"^webhook_events_p\d{8}$"#, options: .regularExpression) != nil })

            // Maintained through pg_partman 5: a dropped future child comes back.
            try fixture.schema.run(
                "INSERT INTO \(fixture.schema.qualified("webhook_events")) (received_at) VALUES (now())")
            let last = try #require(children.last)
            try fixture.schema.run("DROP TABLE \(fixture.schema.qualified(last))")
            let report = fixture.pass([spec])
            #expect(report.tables[0].status == .ok, "\(report.tables[0].summary)")
            #expect(try fixture.children("webhook_events").contains(last))
        }

        @Test("a table partmand maintained natively (with its default partition) can be handed to pg_partman 5")
        func nativeToPartman() throws {
            let fixture = try PartmanFixture("pm5handover")
            try fixture.createParent("events")
            var native = fixture.spec("events", engine: .native)
            native.defaultPartition = true
            let first = fixture.pass([native])
            #expect(first.succeeded, "\(first.tables.map(\.summary))")
            try fixture.insertNow("events")
            let connection = try TestServer.connect(fixture.conninfo)
            defer { connection.close() }

            let steps = try PartmanSetup(
                connection: connection, options: PartmanOptions(), dryRun: false, update: false
            )
            .run([fixture.spec("events")])

            #expect(steps.count == 1 && steps[0].changed && !steps[0].failed, "\(steps)")
            let report = fixture.pass([fixture.spec("events")])
            #expect(report.tables[0].status == .ok, "\(report.tables[0].summary)")
            #expect(try fixture.count("SELECT count(*) FROM \(fixture.schema.qualified("events"))") == 1)
        }

        @Test("an installation upgraded from 4.7.2 to 5.0.1 keeps its sets, and partmand keeps maintaining them")
        func upgradedInstallation() throws {
            let base = try PartmanServer.conninfo()
            let database = "partmand_partman_upgrade_" + String(UUID().uuidString.prefix(8)).lowercased()
            let admin = try TestServer.connect(base)
            defer { admin.close() }
            try admin.execute("CREATE DATABASE \(SQL.identifier(database))", purpose: "create database")
            defer { _ = try? admin.execute("DROP DATABASE \(SQL.identifier(database)) WITH (FORCE)", purpose: "drop") }
            let conninfo = base + " dbname=\(database)"
            let connection = try TestServer.connect(conninfo)
            defer { connection.close() }
            try connection.execute("CREATE SCHEMA partman", purpose: "schema")
            try connection.execute("CREATE EXTENSION pg_partman SCHEMA partman VERSION '4.7.2'", purpose: "4.7.2")
            try connection.execute(
                "CREATE TABLE public.events (id bigint GENERATED ALWAYS AS IDENTITY, received_at timestamptz NOT NULL)"
                    + " PARTITION BY RANGE (received_at)", purpose: "parent")
            try connection.execute(
                """
                SELECT partman.create_parent(p_parent_table => 'public.events', p_control => 'received_at',
                    p_type => 'native', p_interval => 'monthly', p_premake => 2)
                """, purpose: "4.7 set")
            try connection.execute("INSERT INTO public.events (received_at) VALUES (now())", purpose: "row")
            let before = try connection.query(
                "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'public.events'::regclass",
                purpose: "count"
            ).rows[0].int("n")

            try connection.execute("ALTER EXTENSION pg_partman UPDATE TO '5.0.1'", purpose: "upgrade")

            let pool = ConnectionPool(
                options: ConnectionOptions(conninfo: conninfo), size: 2, logger: TestServer.silentLogger)
            defer { pool.close() }
            let engine = MaintenanceEngine(
                pool: pool, settings: PartmanFixture.fastSettings, logger: TestServer.silentLogger)
            let spec = TableSpec(
                parent: QualifiedName(schema: "public", name: "events"), column: "received_at",
                interval: CalendarInterval(1, .month), premake: 4, engine: .pgPartman)
            let found = try #require(try pool.withConnection { try PartmanExtension.find(on: $0) })
            #expect(found.version == "5.0.1")
            let plan = try engine.plan([spec], now: Date())
            #expect(plan.tables[0].status == .ok, "\(plan.tables[0].errors)")

            let report = engine.runPass([spec], now: Date(), clock: .system)

            #expect(report.succeeded, "\(report.tables.map(\.summary))")
            let children = try connection.query(
                """
                SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'public.events'::regclass ORDER BY 1
                """, purpose: "children"
            ).rows.map { $0["name"]! }
            #expect(children.count >= before, "\(children)")
            let landed = try connection.query(
                "INSERT INTO public.events (received_at) VALUES (now()) RETURNING tableoid::regclass::text AS part",
                purpose: "insert"
            ).rows[0]["part"]
            #expect(landed?.hasPrefix("events_p") == true, "\(String(describing: landed))")
        }
    }
}
