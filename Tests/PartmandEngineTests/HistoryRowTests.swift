import Foundation
import PartmandCore
import PartmandEngine
import Testing

/// What a history row says about a table's report (no database).
@Suite struct HistoryRowTests {
    private let table = QualifiedName(schema: "public", name: "webhook_events")
    private let finished = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func countsIncludeTheDefaultPartitionAndTheStartIsTheDurationBeforeTheEnd() {
        var report = TableReport(table: table, status: .ok)
        report.created = [QualifiedName(schema: "public", name: "a"), QualifiedName(schema: "public", name: "b")]
        report.createdDefault = QualifiedName(schema: "public", name: "webhook_events_default")
        report.rowsMoved = 12
        report.duration = .milliseconds(1500)
        report.engine = .pgPartman
        let row = HistoryRow(report, runID: "r1", trigger: .retry, finishedAt: finished)
        #expect(row.created == 3)
        #expect(row.retired == 0)
        #expect(row.moved == 12)
        #expect(row.status == "ok")
        #expect(row.engine == .pgPartman)
        #expect(row.startedAt == finished.addingTimeInterval(-1.5))
        #expect(row.sqlState == nil && row.message == nil)
        #expect(row.version == PartmandVersion.description)
        #expect(row.trigger == .retry)
    }

    @Test func aSkippedTableRecordsWhy() {
        let row = HistoryRow(
            TableReport(table: table, status: .skipped("locked by another partmand (pid 42)")), runID: "r",
            trigger: .scheduled, finishedAt: finished)
        #expect(row.status == "skipped")
        #expect(row.message == "locked by another partmand (pid 42)")
    }

    @Test func failuresKeepTheFirstSQLSTATEButNeverAConnectionString() throws {
        var report = TableReport(table: table, status: .failed)
        report.errors = [
            TableError(table: table, message: "refused by partmand"),
            TableError(
                table: table,
                message: "connection to server at \"db.internal\" failed: password=hunter2 authentication failed",
                sqlState: "08006", isConnectionProblem: true),
            TableError(table: table, message: "canceling statement due to lock timeout", sqlState: "55P03"),
        ]
        let row = HistoryRow(report, runID: "r", trigger: .once, finishedAt: finished)
        #expect(row.status == "failed")
        #expect(row.sqlState == "08006")
        let message = try #require(row.message)
        #expect(!message.contains("hunter2") && !message.contains("db.internal"), "\(message)")
        #expect(message.hasPrefix("refused by partmand; the connection to the database failed or broke"))
        #expect(message.hasSuffix("; canceling statement due to lock timeout"))
    }

    @Test func longMessagesAreCut() {
        var report = TableReport(table: table, status: .failed)
        report.errors = [TableError(table: table, message: String(repeating: "x", count: 5000))]
        let row = HistoryRow(report, runID: "r", trigger: .once, finishedAt: finished)
        #expect(row.message?.count == HistoryRow.maxMessageLength)
        #expect(row.message?.hasSuffix("…") == true)
    }
}
