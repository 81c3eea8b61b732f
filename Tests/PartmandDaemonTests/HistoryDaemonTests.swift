import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `partmand run` with `history:`: each pass is recorded, with what started it.
@Suite("partmand run records its passes in the history table", .serialized)
struct HistoryDaemonTests {
    @Test("the start pass and a SIGUSR1 pass each write a row per table, the history table first")
    func startAndSignal() throws {
        let fixture = try DaemonFixture("histdaemon")
        defer { fixture.drop() }
        try fixture.createParent("events")
        let table = QualifiedName(schema: fixture.schema.name, name: "maintenance_log")
        try HistoryTableDDL.create(table, on: fixture.schema.connection)
        let config =
            fixture.config(tables: ["events"])
            + "history:\n  table: \(fixture.name("maintenance_log"))\n  retention: 3 months\n"
        let daemon = try DaemonProcess(config: config)
        defer { daemon.stop() }

        _ = try #require(try daemon.waitFor("STATUS: last pass") { $0.status?.hasPrefix("last pass") == true })
        daemon.send(SIGUSR1)
        _ = try #require(
            try daemon.waitFor("STATUS: pass running (SIGUSR1)") {
                $0.status?.hasPrefix("pass running (SIGUSR1)") == true
            })
        _ = try #require(try daemon.waitFor("STATUS: last pass") { $0.status?.hasPrefix("last pass") == true })

        let rows = try fixture.schema.run(
            "SELECT table_name, status, created, trigger FROM \(table.sql) ORDER BY started_at, table_name"
        ).rows
        #expect(rows.map { $0["trigger"]! } == ["start", "start", "signal", "signal"], "stderr:\n\(daemon.stderr)")
        #expect(rows.map { $0["table_name"]! } == ["maintenance_log", "events", "maintenance_log", "events"])
        #expect(rows.allSatisfy { $0["status"] == "ok" })
        // The history table's own partitions (now and 3 ahead), then events' (today, 2 ahead, default).
        #expect(rows.map { $0["created"]! } == ["4", "4", "0", "0"])
        #expect(try fixture.partitionCount("maintenance_log") == 4)
        #expect(!daemon.stderr.contains("level=warning"), "stderr:\n\(daemon.stderr)")
    }
}
