import Dispatch
import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// The run history (`history:`): rows written after real passes, the history table maintained like any
/// other, and nothing about it ever failing maintenance.
@Suite struct HistoryTests {
    @Test func realPassesWriteOneRowPerTableWithCountsAndTheFailingTablesSQLSTATE() throws {
        let history = try HistoryFixture("history")
        let fixture = history.engine
        try fixture.createParent("events")
        try fixture.createParent("orders")

        // Pass 1: orders is held by a long transaction, so its maintenance times out (55P03).
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("orders"))
        let (first, firstRun) = try history.recordedPass(["events", "orders"], trigger: .scheduled)
        blocker.close()
        #expect(first.tables.map(\.status) == [.ok, .ok, .failed])

        var rows = try history.rows()
        #expect(rows.count == 3)
        let byTable = Dictionary(uniqueKeysWithValues: rows.map { ($0["table_name"]!, $0) })
        for row in rows {
            #expect(row["run_id"] == firstRun)
            #expect(row["table_schema"] == fixture.schema.name)
            #expect(row["engine"] == "native")
            #expect(row["trigger"] == "scheduled")
            #expect(row["partmand_version"] == PartmandVersion.description)
            #expect(row["ordered"] == "true")
        }
        // The history table itself: the month holding now and three ahead, no default partition.
        #expect(byTable["maintenance_log"]?["status"] == "ok")
        #expect(byTable["maintenance_log"]?["created"] == "4")
        // events: now + 4 ahead + the default partition.
        let events = try #require(byTable["events"])
        #expect(events["status"] == "ok")
        #expect(events["created"] == "6")
        #expect(events["retired"] == "0")
        #expect(events["moved"] == "0")
        #expect(events["sqlstate"] == nil)
        #expect(events["message"] == nil)
        let orders = try #require(byTable["orders"])
        #expect(orders["status"] == "failed")
        #expect(orders["created"] == "0")
        #expect(orders["sqlstate"] == "55P03")
        #expect(orders["message"]?.contains("lock timeout") == true, "\(orders)")

        // Pass 2 (a retry of orders): it recovers; events had nothing to do.
        let (second, secondRun) = try history.recordedPass(["events", "orders"], trigger: .retry)
        #expect(second.succeeded)
        rows = try history.rows(where: "run_id = '\(secondRun)'")
        #expect(rows.map { $0["table_name"]! }.sorted() == ["events", "maintenance_log", "orders"])
        #expect(rows.allSatisfy { $0["trigger"] == "retry" && $0["status"] == "ok" })
        #expect(rows.first { $0["table_name"] == "events" }?["created"] == "0")
        #expect(rows.first { $0["table_name"] == "orders" }?["created"] == "6")
        #expect(try history.rows().count == 6)
    }

    @Test func rowsPastRetentionAreRetiredByThePassAndTheirPartitionsDropped() throws {
        let history = try HistoryFixture("histret", retention: CalendarInterval(90, .day))
        let fixture = history.engine
        // Two old months by hand, each with a row, as earlier passes would have left them.
        let old = [
            "maintenance_log_old1": ("2020-01-01", "2020-02-01"), "maintenance_log_old2": ("2020-02-01", "2020-03-01"),
        ]
        for (name, bounds) in old {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(name)) PARTITION OF \(history.table.sql)"
                    + " FOR VALUES FROM ('\(bounds.0) 00:00+00') TO ('\(bounds.1) 00:00+00')")
        }
        for started in ["2020-01-15 02:00:00+00", "2020-02-15 02:00:00+00"] {
            try fixture.schema.run(
                "INSERT INTO \(history.table.sql) (run_id, started_at, finished_at, table_schema, table_name, engine,"
                    + " status, created, retired, moved, partmand_version, trigger)"
                    + " VALUES ('old', $1, $1, 'public', 't', 'native', 'ok', 0, 0, 0, '0.1.0', 'scheduled')",
                [.text(started)])
        }

        let (report, runID) = try history.recordedPass([])
        #expect(report.succeeded)
        #expect(report.tables[0].retired.count == 2)
        for name in old.keys {
            #expect(
                try fixture.schema.run(
                    "SELECT to_regclass($1) IS NULL AS gone", [.text(fixture.schema.qualified(name))]
                ).rows[0].bool("gone"))
        }
        #expect(try history.rows(where: "run_id = 'old'").isEmpty)
        let rows = try history.rows()
        #expect(rows.count == 1)
        #expect(rows.first?["run_id"] == runID)
        #expect(rows.first?["retired"] == "2")
        #expect(rows.first?["created"] == "4")
        // What is left: the month holding now and three ahead.
        #expect(try fixture.partitionNames("maintenance_log").count == 4)
    }

    @Test func aMissingHistoryTableIsOneWarningAndMaintenanceGoesOn() throws {
        let history = try HistoryFixture("histmiss", create: false)
        let fixture = history.engine
        try fixture.createParent("events")
        try fixture.createParent("orders")
        let (logger, store) = RecordingLogHandler.logger()

        let recorder = try history.recorder(logger: logger)
        #expect(recorder.availability == .tableMissing)
        let report = fixture.engine.runPass(
            [fixture.spec("events"), fixture.spec("orders")], now: Date(), clock: .system,
            tableFinished: { recorder.record($0) })
        recorder.finish()

        #expect(report.succeeded)
        #expect(report.tables.map(\.status) == [.ok, .ok])
        let warnings = store.entries.filter { $0.level >= .warning }
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first?.message.contains("history table \(history.table) does not exist") == true)
        #expect(warnings.first?.message.contains("partmand setup") == true)
        #expect(recorder.counts == (0, 0))
        #expect(try fixture.partitions("events").count == 6)
    }

    @Test func aRefusedHistoryWriteNeverFailsTheTable() throws {
        let history = try HistoryFixture("histdeny")
        let fixture = history.engine
        let role = try TestRole("histwriter")
        defer { role.drop() }
        let grantee = SQL.identifier(role.name)
        try fixture.createParent("events")
        try fixture.createParent("orders")
        // The role maintains everything, the history table included, but may not INSERT into it.
        try fixture.schema.run("GRANT USAGE, CREATE ON SCHEMA \(SQL.identifier(fixture.schema.name)) TO \(grantee)")
        for table in ["events", "orders", "maintenance_log"] {
            try fixture.schema.run("ALTER TABLE \(fixture.schema.qualified(table)) OWNER TO \(grantee)")
        }
        try fixture.schema.run("REVOKE INSERT ON \(history.table.sql) FROM \(grantee)")

        let pool = ConnectionPool(
            options: ConnectionOptions(conninfo: role.conninfo), size: 2, logger: TestServer.silentLogger)
        defer { pool.close() }
        let engine = MaintenanceEngine(
            pool: pool, settings: EngineFixture.fastSettings, logger: TestServer.silentLogger)
        let (logger, store) = RecordingLogHandler.logger()
        let (report, _) = try history.recordedPass(
            ["events", "orders"], engine: engine, conninfo: role.conninfo, logger: logger)

        #expect(report.succeeded, "\(report.tables.map(\.summary))")
        #expect(report.tables.map(\.status) == [.ok, .ok, .ok])
        #expect(try fixture.partitions("events").count == 6)
        #expect(try fixture.partitions("orders").count == 6)
        #expect(try history.rows().isEmpty)
        // One warning for the pass, naming the refusal; the other two failures at debug level.
        let warnings = store.entries.filter { $0.level >= .warning }
        #expect(warnings.count == 1, "\(warnings.map(\.message))")
        #expect(warnings.first?.metadata["sqlstate"] == "42501")
        #expect(warnings.first?.message.contains("permission denied") == true)
        #expect(store.entries.filter { $0.level == .debug && $0.message.hasPrefix("cannot write") }.count == 2)
    }

    @Test func recordIsSafeFromManyThreadsAtOnce() throws {
        let history = try HistoryFixture("histthreads")
        // Its partitions first, as setup makes them.
        #expect(history.engine.engine.runPass([history.spec], now: Date(), clock: .system).succeeded)
        let recorder = try history.recorder(runID: "threads", trigger: .signal)
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            var report = TableReport(table: QualifiedName(schema: "s", name: "t\(index)"), status: .ok)
            report.rowsMoved = index
            recorder.record(report)
        }
        recorder.finish()
        #expect(recorder.counts == (40, 0))
        let rows = try history.rows(where: "run_id = 'threads'")
        #expect(rows.count == 40)
        #expect(Set(rows.map { $0["moved"]! }) == Set((0..<40).map(String.init)))
        #expect(rows.allSatisfy { $0["trigger"] == "signal" })
    }
}
