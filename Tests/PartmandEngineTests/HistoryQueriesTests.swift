import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// The ready-made queries of docs/operations.md ("The run history in SQL"), run as written against a
/// history table that real passes filled.
@Suite struct HistoryQueriesTests {
    /// The SQL blocks of the section, by their first line (`-- label`).
    static func documentedQueries() throws -> [String: String] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/operations.md").standardizedFileURL.path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let start = try #require(text.range(of: "## The run history in SQL\n"))
        let rest = text[start.upperBound...]
        let section = rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)]
        var queries: [String: String] = [:]
        for block in section.components(separatedBy: "```sql\n").dropFirst() {
            let sql = try #require(block.components(separatedBy: "```").first)
            let label = try #require(sql.split(separator: "\n").first)
            #expect(label.hasPrefix("-- "), "each query starts with its label: \(sql)")
            queries[String(label.dropFirst(3))] = sql
        }
        return queries
    }

    @Test func theDocumentedQueriesAnswerAsDocumented() throws {
        let history = try HistoryFixture("histdocs")
        let fixture = history.engine
        try fixture.createParent("events")
        try fixture.createParent("orders")
        // Pass 1: all fine. Pass 2: orders held by a long transaction fails with 55P03.
        let (first, _) = try history.recordedPass(["events", "orders"])
        #expect(first.succeeded)
        let blocker = try TestServer.holdingAccessExclusive(fixture.schema.qualified("orders"))
        let (second, secondRun) = try history.recordedPass(["events", "orders"])
        blocker.close()
        #expect(second.tables.map(\.status) == [.ok, .ok, .failed])

        let queries = try Self.documentedQueries()
        #expect(
            Set(queries.keys) == [
                "last success per table", "failures this week", "what did the last pass do",
                "tables whose last attempt failed",
            ])
        func run(_ label: String) throws -> [Row] {
            let sql = try #require(queries[label], "no query '\(label)' in docs/operations.md")
            #expect(sql.contains("partmand.maintenance_log"))
            return try fixture.schema.run(
                sql.replacingOccurrences(of: "partmand.maintenance_log", with: history.table.sql)
            )
            .rows
        }

        // Last success per table: orders' last success is pass 1, before its last attempt.
        let lastSuccess = try run("last success per table")
        // Oldest success first: orders (pass 1), then the history table and events, in pass 2's order.
        #expect(lastSuccess.map { $0["table_name"]! } == ["orders", "maintenance_log", "events"])
        let orders = try #require(lastSuccess.first { $0["table_name"] == "orders" })
        let ordersEarlier = try fixture.schema.run(
            "SELECT $1::timestamptz < $2::timestamptz AS earlier",
            [.text(orders["last_success"]!), .text(orders["last_attempt"]!)]
        ).rows[0].bool("earlier")
        #expect(ordersEarlier)
        for table in ["events", "maintenance_log"] {
            let row = try #require(lastSuccess.first { $0["table_name"] == table })
            #expect(row["last_success"] == row["last_attempt"])
        }

        // Failures this week: orders, once, with its SQLSTATE.
        let failures = try run("failures this week")
        #expect(failures.map { $0["table_name"] } == ["orders"])
        #expect(failures.first?["sqlstate"] == "55P03")
        #expect(failures.first?["trigger"] == "scheduled")

        // What did the last pass do: the three tables of pass 2.
        let last = try run("what did the last pass do")
        #expect(Set(last.map { $0["table_name"]! }) == ["maintenance_log", "events", "orders"])
        #expect(last.first { $0["table_name"] == "orders" }?["status"] == "failed")
        #expect(last.first { $0["table_name"] == "events" }?["created"] == "0")
        #expect(try history.rows(where: "run_id = '\(secondRun)'").count == last.count)

        // Tables whose last attempt failed: orders alone.
        let failing = try run("tables whose last attempt failed")
        #expect(failing.map { $0["table_name"] } == ["orders"])
        #expect(failing.first?["sqlstate"] == "55P03")
    }
}
