import PartmandPostgres
import Testing

/// `query(…, prepared: true)`: prepared once per session, executed many times, prepared again when the
/// session lost it.
@Suite("prepared statements")
struct PreparedStatementTests {
    /// How many statements this session has prepared, and how often each ran, from `pg_prepared_statements`.
    private static func prepared(on connection: PostgresConnection, like text: String) throws -> [String] {
        try connection.query(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE $1 ORDER BY prepare_time",
            [.text("%\(text)%")], purpose: "list prepared statements"
        ).rows.map { try $0.string("statement") }
    }

    @Test func aStatementIsPreparedOnceAndRunWithEachCallsParameters() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let sql = "SELECT $1::int8 * 2 AS doubled /* prepared-once */"
        for value in 1...7 {
            let row = try connection.query(sql, [.text(String(value))], purpose: "double", prepared: true).rows[0]
            #expect(try row.int64("doubled") == Int64(value * 2))
        }
        #expect(try Self.prepared(on: connection, like: "prepared-once") == [sql])
    }

    @Test func aStatementTheSessionLostIsPreparedAgain() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let sql = "SELECT $1::text || '!' AS shout /* prepared-again */"
        #expect(try connection.query(sql, [.text("a")], purpose: "shout", prepared: true).rows[0]["shout"] == "a!")
        try connection.execute("DEALLOCATE ALL", purpose: "forget prepared statements")
        #expect(try Self.prepared(on: connection, like: "prepared-again").isEmpty)
        #expect(try connection.query(sql, [.text("b")], purpose: "shout", prepared: true).rows[0]["shout"] == "b!")
        #expect(try Self.prepared(on: connection, like: "prepared-again") == [sql])
    }

    @Test func anErrorCarriesItsSQLStateAndTheStatementStaysUsable() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let sql = "SELECT 10 / $1::int AS q /* prepared-error */"
        let error = #expect(throws: PostgresError.self) {
            try connection.query(sql, [.text("0")], purpose: "divide", prepared: true)
        }
        #expect(error?.sqlState == "22012")
        #expect(error?.purpose == "divide")
        #expect(try connection.query(sql, [.text("5")], purpose: "divide", prepared: true).rows[0]["q"] == "2")
    }

    @Test func aStatementThatCannotBePreparedFailsEveryTimeWithItsSQLState() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        for _ in 1...2 {
            let error = #expect(throws: PostgresError.self) {
                try connection.query("SELEC $1::int", [.text("1")], purpose: "typo", prepared: true)
            }
            #expect(error?.sqlState == "42601")
        }
        #expect(try connection.query("SELECT 1 AS one", purpose: "still fine", prepared: true).rows[0]["one"] == "1")
    }

    @Test func aPreparedStatementSurvivesARolledBackTransaction() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let sql = "SELECT $1::int + 1 AS next /* prepared-rollback */"
        try connection.execute("BEGIN", purpose: "begin")
        #expect(try connection.query(sql, [.text("1")], purpose: "next", prepared: true).rows[0]["next"] == "2")
        try connection.execute("ROLLBACK", purpose: "rollback")
        #expect(try connection.query(sql, [.text("2")], purpose: "next", prepared: true).rows[0]["next"] == "3")
        #expect(try Self.prepared(on: connection, like: "prepared-rollback") == [sql])
    }
}
