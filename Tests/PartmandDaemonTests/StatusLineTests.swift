import Foundation
import PartmandEngine
import PartmandTime
import Testing

@testable import PartmandCore
@testable import PartmandDaemon

@Suite("StatusLine")
struct StatusLineTests {
    let utc = Zone.utc
    let paris = Zone(identifier: "Europe/Paris")!
    /// 2026-11-27 02:00:00 UTC.
    let started = Date(timeIntervalSince1970: 1_795_744_800)
    /// 2026-11-28 02:00:00 UTC.
    var next: Date { started + 86_400 }

    func table(_ name: String, _ status: TableReport.Status, created: Int = 0, retired: Int = 0) -> TableReport {
        let parent = QualifiedName(schema: "public", name: name)
        var report = TableReport(table: parent, status: status)
        report.created = (0..<created).map { QualifiedName(schema: "public", name: "\(name)_p\($0)") }
        report.retired = (0..<retired).map {
            RetiredPartition(
                name: QualifiedName(schema: "public", name: "\(name)_old\($0)"),
                range: PartitionRange(from: started - 86_400, to: started), action: .drop, finishPendingDetach: false)
        }
        return report
    }

    func pass(_ tables: [TableReport]) -> PassReport {
        var report = PassReport(runID: "abcd1234", startedAt: started)
        report.tables = tables
        return report
    }

    @Test("before the first pass: no pass yet and the next run")
    func noPass() {
        #expect(
            StatusLine.text(last: nil, next: next, retryAt: nil, zone: utc)
                == "no pass yet; next 2026-11-28 02:00 +00:00")
    }

    @Test("a good pass: time, ok, tables, created (default partitions count) and retired")
    func ok() {
        var first = table("orders", .ok, created: 2, retired: 1)
        first.createdDefault = QualifiedName(schema: "public", name: "orders_default")
        let report = pass([first, table("events", .ok), table("audit", .skipped("locked by another partmand"))])
        #expect(
            StatusLine.text(last: report, next: next, retryAt: nil, zone: utc)
                == "last pass 02:00 ok: 3 tables, 3 created, 1 retired; next 2026-11-28 02:00 +00:00")
    }

    @Test("times are shown in the schedule's zone, with its offset")
    func zone() {
        let report = pass([table("orders", .ok, created: 1)])
        #expect(
            StatusLine.text(last: report, next: next, retryAt: nil, zone: paris)
                == "last pass 03:00 ok: 1 tables, 1 created, 0 retired; next 2026-11-28 03:00 +01:00")
    }

    @Test("a pass with failed tables says how many, and when they are retried")
    func failed() {
        let report = pass([table("orders", .failed), table("events", .ok, created: 1), table("audit", .failed)])
        #expect(
            StatusLine.text(last: report, next: next, retryAt: started + 600, zone: utc)
                == "last pass 02:00 2 of 3 tables FAILED: 3 tables, 1 created, 0 retired; retry 02:10; "
                + "next 2026-11-28 02:00 +00:00")
    }

    @Test("an unreachable database: the first line of the error, and the retry")
    func unreachable() {
        var report = pass([])
        report.unreachable = TableError(
            table: QualifiedName(schema: "", name: ""),
            message: "connection to server failed: No such file or directory\n\tIs the server running locally?",
            isConnectionProblem: true)
        #expect(
            StatusLine.text(last: report, next: next, retryAt: started + 1200, zone: utc)
                == "last pass 02:00 failed: database unreachable (connection to server failed: No such file or "
                + "directory); retry 02:20; next 2026-11-28 02:00 +00:00")
    }

    @Test("a standby: nothing to do")
    func standby() {
        var report = pass([table("orders", .skipped("server is a standby"))])
        report.standby = true
        #expect(
            StatusLine.text(last: report, next: next, retryAt: nil, zone: utc)
                == "last pass 02:00: server is a standby, nothing to do; next 2026-11-28 02:00 +00:00")
    }

    @Test("a pending retry shows even before the first full pass")
    func retryOnly() {
        #expect(
            StatusLine.text(last: nil, next: next, retryAt: started + 3600, zone: utc)
                == "no pass yet; retry 03:00; next 2026-11-28 02:00 +00:00")
    }
}
