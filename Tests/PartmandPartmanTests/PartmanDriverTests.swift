import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

extension PartmanSuites {
    @Suite("pg_partman driver (the pg_partman version under test, see PartmanServer)", .serialized)
    struct PartmanDriverTests {
        @Test("the extension's schema and version are found in pg_extension")
        func findsExtension() throws {
            let fixture = try PartmanFixture("pmext")
            let connection = try TestServer.connect(fixture.conninfo)
            defer { connection.close() }
            let found = try #require(try PartmanExtension.find(on: connection))
            #expect(found.schema == "partman")
            #expect(found.major >= 4)
            #expect(found.rangeType == (found.major >= 5 ? "range" : "native"))
        }

        /// pg_partman reads now(): a set whose partitions start 9 months in the past has lived through those
        /// months; one pass must drop what is past the 6-month retention and keep premake partitions ahead.
        @Test("a monthly set started 9 months ago: retention and premake by pg_partman, reported per set")
        func simulatedMonths() throws {
            let fixture = try PartmanFixture("pmref")
            try fixture.register("webhook_events", monthsBack: 9, premake: 4, retention: "6 months")
            try fixture.schema.run(
                "INSERT INTO \(fixture.schema.qualified("webhook_events")) (received_at, payload)"
                    + " SELECT now() - make_interval(months => m), 'm' FROM generate_series(0, 8) m")
            let plan = try fixture.engine.plan([fixture.spec("webhook_events")], now: Date()).tables
            #expect(plan[0].status == .ok)
            #expect(plan[0].findings.contains { if case .retentionDue = $0 { true } else { false } })

            let report = fixture.pass([fixture.spec("webhook_events")])
            let table = try #require(report.tables.first)
            #expect(table.status == .ok, "\(table.summary)")
            #expect(table.engine == .pgPartman)
            #expect(table.retired.count >= 2, "\(table.summary)")
            let children = try fixture.children("webhook_events")
            // 6 months of retention: nothing older than 7 month-slots back survives; 4 made ahead.
            #expect(children.count >= 4 + 1 + 5 && children.count <= 4 + 1 + 7, "\(children)")
            #expect(
                children.allSatisfy {
                    $0.range(of: "^webhook_events" + PartmanFixture.monthlyChildPattern, options: .regularExpression)
                        != nil
                })
            #expect(try fixture.advisoryLocksHeld(on: ["webhook_events"]) == 0)

            // Idempotent: a second pass changes nothing.
            let again = fixture.pass([fixture.spec("webhook_events")])
            #expect(again.tables[0].status == .ok && again.tables[0].created.isEmpty && again.tables[0].retired.isEmpty)
        }

        @Test("a row two years ahead in the default partition: pg_partman fails, partmand reports, then moves it")
        func defaultRowAhead() throws {
            let fixture = try PartmanFixture("pmdef")
            try fixture.register("stuck")
            try fixture.register("fine")
            try fixture.schema.run(
                "INSERT INTO \(fixture.schema.qualified("stuck")) (received_at, payload)"
                    + " VALUES (date_trunc('month', now()) + interval '2 years 3 days', 'future')")
            #expect(try fixture.count("SELECT count(*) FROM \(fixture.schema.qualified("stuck_default"))") == 1)

            // pg_partman 4.x's own maintenance fails on it at once. 5.x ignores default data by default
            // (ignore_default_data) and fails only once premake reaches the row's month.
            let maintenance = {
                try fixture.schema.run(
                    "SELECT partman.run_maintenance(p_parent_table => $1, p_analyze => false, p_jobmon => false)",
                    [.text(fixture.parentTable("stuck"))])
            }
            if PartmanServer.isFive {
                #expect(throws: Never.self) { try maintenance() }
            } else {
                #expect(throws: PostgresError.self) { try maintenance() }
            }

            // refuse (the default): the set is skipped with a clear error; the other set is maintained.
            let refused = fixture.pass([fixture.spec("stuck"), fixture.spec("fine")])
            #expect(refused.tables[0].status == .failed)
            let message = refused.tables[0].errors.first?.message ?? ""
            #expect(
                message.contains("1 row(s) beyond the last partition") && message.contains("default_rows: move"),
                "\(message)")
            #expect(refused.tables[1].status == .ok, "\(refused.tables[1].summary)")
            #expect(try fixture.advisoryLocksHeld(on: ["stuck", "fine"]) == 0)

            // move: the row goes into a partition named the way this pg_partman names it (show_partition_name),
            // and pg_partman then runs fine.
            let before = try fixture.children("stuck")
            let moved = fixture.pass([fixture.spec("stuck", defaultRows: .move), fixture.spec("fine")])
            #expect(moved.tables[0].status == .ok, "\(moved.tables[0].summary)")
            #expect(moved.tables[0].rowsMoved == 1)
            #expect(try fixture.count("SELECT count(*) FROM \(fixture.schema.qualified("stuck_default"))") == 0)
            let target = try fixture.schema.run(
                "SELECT 'stuck_p' || to_char(date_trunc('month', now()) + interval '2 years', $1) AS name",
                [.text(PartmanServer.isFive ? "YYYYMMDD" : "YYYY_MM")]
            ).rows[0]["name"]!
            let after = try fixture.children("stuck")
            #expect(after.contains(target), "\(after)")
            #expect(Set(before).isSubset(of: Set(after)))
            #expect(try fixture.count("SELECT count(*) FROM \(fixture.schema.qualified(target))") == 1)
            // pg_partman itself now succeeds too and premakes after the moved row's partition.
            try fixture.schema.run(
                "SELECT partman.run_maintenance(p_parent_table => $1, p_analyze => false, p_jobmon => false)",
                [.text(fixture.parentTable("stuck"))])
            #expect(try fixture.advisoryLocksHeld(on: ["stuck", "fine"]) == 0)
        }

        @Test("a set whose parent is locked past lock_timeout fails; the others succeed; no lock is left")
        func lockedSetFails() throws {
            let fixture = try PartmanFixture("pmlock")
            try fixture.register("busy", premake: 2)
            try fixture.register("calm", premake: 2)
            // Both need work: premake raised after registration.
            try fixture.schema.run(
                "UPDATE partman.part_config SET premake = 5, infinite_time_partitions = true WHERE parent_table LIKE $1",
                [.text(fixture.schema.name + ".%")])
            try fixture.insertNow("busy", "calm")
            // SHARE ROW EXCLUSIVE (on the parent and, by recursion, its partitions) stops pg_partman from adding
            // partitions to busy, but not readers: pg_partman 5's show_partitions may evaluate
            // pg_get_expr(relpartbound, oid), which takes an ACCESS SHARE lock, on every partition in the
            // database, depending on its plan, so an ACCESS EXCLUSIVE lock on busy could stall calm too.
            let locker = try TestServer.connect(fixture.conninfo)
            defer { locker.close() }
            try locker.execute("BEGIN", purpose: "blocker")
            try locker.execute(
                "LOCK TABLE \(fixture.schema.qualified("busy")) IN SHARE ROW EXCLUSIVE MODE", purpose: "blocker")

            let report = fixture.pass([fixture.spec("busy"), fixture.spec("calm")])
            try locker.execute("ROLLBACK", purpose: "test")
            #expect(report.tables[0].status == .failed)
            // The lock timeout is met inside run_maintenance, which pg_partman re-raises as P0001 with its message.
            let busyError = try #require(report.tables[0].errors.first, "\(report.tables[0].summary)")
            #expect(
                busyError.sqlState == "55P03"
                    || (busyError.sqlState == "P0001"
                        && busyError.message.contains("canceling statement due to lock timeout")),
                "\(report.tables[0].summary)")
            #expect(report.tables[1].status == .ok, "\(report.tables[1].summary)")
            #expect(report.tables[1].created.count >= 3, "\(report.tables[1].summary)")
            #expect(try fixture.advisoryLocksHeld(on: ["busy", "calm"]) == 0)
            #expect(
                try fixture.count(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
                    == 0)

            // Once the lock is gone the set is maintained.
            let retry = fixture.pass([fixture.spec("busy")])
            #expect(retry.tables[0].status == .ok, "\(retry.tables[0].summary)")
        }

        @Test("plan: a set whose default partition is locked fails alone (55P03); the others are planned")
        func planLockedSet() throws {
            let fixture = try PartmanFixture("pmplanlock")
            try fixture.register("busy")
            try fixture.register("calm")
            let locker = try TestServer.holdingAccessExclusive(
                fixture.schema.qualified("busy_default"), fixture.conninfo)
            defer { locker.close() }
            defer { _ = try? locker.execute("ROLLBACK", purpose: "test") }

            let plan = try fixture.engine.plan([fixture.spec("busy"), fixture.spec("calm")], now: Date())
            #expect(plan.tables.map(\.table.name) == ["busy", "calm"])
            #expect(plan.tables.map(\.status) == [.failed, .ok], "\(plan.tables.map(\.errors))")
            #expect(plan.tables[0].errors.map(\.sqlState) == ["55P03"])
            #expect(plan.tables[0].errors.first?.isDatabaseError == true)
        }

        @Test("plan with tables: all and part_config unreadable: reported as its own failure; native tables planned")
        func planUnreadablePartConfig() throws {
            let fixture = try PartmanFixture("pmplanall")
            try fixture.register("set")
            try fixture.createParent("plain")
            let role = try TestRole("pmreader", conninfo: fixture.conninfo)
            defer { role.drop() }
            try fixture.schema.run(
                "GRANT USAGE ON SCHEMA \(SQL.identifier(fixture.schema.name)) TO \(SQL.identifier(role.name))")
            let pool = ConnectionPool(
                options: ConnectionOptions(conninfo: role.conninfo), size: 1, logger: TestServer.silentLogger)
            defer { pool.close() }
            let engine = MaintenanceEngine(
                pool: pool, settings: PartmanFixture.fastSettings, logger: TestServer.silentLogger,
                partman: PartmanOptions(tables: .all))
            let native = fixture.spec("plain", engine: .native)

            let plan = try engine.plan([native], now: Date())
            #expect(plan.tables.map(\.table) == [native.parent, QualifiedName(schema: "partman", name: "part_config")])
            #expect(plan.tables[0].status == .ok)
            #expect(plan.tables[0].planned.count == 6)
            #expect(plan.tables[1].status == .failed)
            #expect(plan.tables[1].errors.map(\.sqlState) == ["42501"])
            #expect(
                plan.tables[1].errors.first?.message.hasPrefix("cannot list the pg_partman sets") == true,
                "\(plan.tables[1].errors)")
        }

        /// The pass's first read of a set is used under its lock only while the set's catalog is unchanged:
        /// the check and pg_partman's call go as one statement, so a change in between must make partmand
        /// read the set again before calling (here: its furthest partition dropped, which pg_partman makes
        /// again and the report must count as created).
        @Test("a set changed after the pass's first read is read again under its lock before pg_partman runs")
        func changedAfterTheSurvey() throws {
            let fixture = try PartmanFixture("pmchg")
            try fixture.register("first", premake: 2)
            try fixture.register("second", premake: 2)
            try fixture.insertNow("first", "second")
            let furthest = try #require(try fixture.children("second").last)
            let schema = fixture.schema
            let report = fixture.engine.runPass(
                [fixture.spec("first"), fixture.spec("second")], now: Date(), clock: .system,
                first: [fixture.spec("first").parent],
                tableFinished: { table in
                    guard table.table.name == "first" else { return }
                    _ = try? schema.run("DROP TABLE \(schema.qualified(furthest))")
                })
            let second = try #require(report.tables.first { $0.table.name == "second" })
            #expect(second.status == .ok, "\(second.summary)")
            #expect(second.created.map(\.name) == [furthest], "\(second.summary)")
            #expect(try fixture.children("second").last == furthest)

            // A set unchanged since the first read: pg_partman runs with it, nothing to report.
            let again = fixture.pass([fixture.spec("second")])
            #expect(again.tables[0].status == .ok && again.tables[0].created.isEmpty, "\(again.tables[0].summary)")
        }

        /// The pass reads its sets a chunk ahead (16 first, then 64): sets of the second chunk are
        /// maintained with their own first read, made while the first chunk's sets were maintained.
        @Test("a pass over 20 sets (two chunks of the first read) maintains each with its own read")
        func setsAcrossChunks() throws {
            let fixture = try PartmanFixture("pmchunks")
            let names = (1...20).map { "s\($0)" }
            for name in names {
                try fixture.register(name, premake: 2)
                try fixture.insertNow(name)
            }
            try fixture.schema.run(
                "UPDATE partman.part_config SET premake = 3, infinite_time_partitions = true WHERE parent_table LIKE $1",
                [.text(fixture.schema.name + ".%")])
            let before = try Dictionary(uniqueKeysWithValues: names.map { ($0, try fixture.children($0)) })
            let report = fixture.pass(names.map { fixture.spec($0) })
            #expect(report.tables.map(\.table.name) == names)
            for table in report.tables {
                let made = Set(try fixture.children(table.table.name)).subtracting(before[table.table.name]!)
                #expect(table.status == .ok, "\(table.summary)")
                #expect(!made.isEmpty && Set(table.created.map(\.name)) == made, "\(table.summary)")
            }
            #expect(try fixture.advisoryLocksHeld(on: names) == 0)
        }

        @Test("tables: all maintains every part_config set with automatic maintenance on")
        func allSets() throws {
            let fixture = try PartmanFixture("pmall", partman: PartmanOptions(tables: .all))
            try fixture.register("one", premake: 2)
            try fixture.register("two", premake: 2)
            try fixture.schema.run(
                "UPDATE partman.part_config SET premake = 3, infinite_time_partitions = true WHERE parent_table LIKE $1",
                [.text(fixture.schema.name + ".%")])
            try fixture.insertNow("one", "two")
            let report = fixture.pass([])
            let mine = report.tables.filter { $0.table.schema == fixture.schema.name }
            #expect(mine.map(\.table.name).sorted() == ["one", "two"])
            #expect(mine.allSatisfy { $0.engine == .pgPartman })
            #expect(mine.allSatisfy { $0.status == .ok && !$0.created.isEmpty }, "\(mine.map(\.summary))")
        }

        @Test("switching a set from pg_partman to native keeps every child and row")
        func switchToNative() throws {
            let fixture = try PartmanFixture("pmswitch")
            try fixture.register("events", monthsBack: 3, premake: 4)
            try fixture.schema.run(
                "INSERT INTO \(fixture.schema.qualified("events")) (received_at, payload)"
                    + " SELECT now() - make_interval(days => d), 'd' FROM generate_series(0, 80) d")
            try fixture.schema.run(
                "UPDATE partman.part_config SET automatic_maintenance = 'off' WHERE parent_table = $1",
                [.text(fixture.parentTable("events"))])
            let children = try fixture.children("events")
            var native = fixture.spec("events", engine: .native)
            native.retention = nil
            let report = fixture.pass([native])
            #expect(report.tables[0].status == .ok, "\(report.tables[0].summary)")
            #expect(report.tables[0].retired.isEmpty && report.tables[0].created.isEmpty, "\(report.tables[0].summary)")
            #expect(try fixture.children("events") == children)
            #expect(try fixture.count("SELECT count(*) FROM \(fixture.schema.qualified("events"))") == 81)
        }
    }
}
