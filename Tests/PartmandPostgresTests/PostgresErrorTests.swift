import PartmandPostgres
import Testing

@Suite("server errors")
struct PostgresErrorTests {
    @Test func uniqueViolationNamesTableAndDetail() throws {
        try TestDatabase.withSchema { connection, schema in
            let table = SQL.qualified(schema, "items")
            try connection.execute("CREATE TABLE \(table) (id int PRIMARY KEY)", purpose: "create table")
            try connection.query("INSERT INTO \(table) VALUES ($1)", [PostgresValue(1)], purpose: "insert first")
            let error = try #require(throws: PostgresError.self) {
                try connection.query(
                    "INSERT INTO \(table) VALUES ($1)", [PostgresValue(1)], purpose: "insert duplicate")
            }
            #expect(error.kind == .server)
            #expect(error.sqlState == "23505")
            #expect(error.message == "duplicate key value violates unique constraint \"items_pkey\"")
            #expect(error.detail == "Key (id)=(1) already exists.")
            #expect(error.hint == nil)
            #expect(error.purpose == "insert duplicate")
            #expect(error.table == "\(schema).items")
            #expect(!error.isConnectionProblem)
            #expect(
                error.description
                    == "insert duplicate: duplicate key value violates unique constraint \"items_pkey\" (SQLSTATE 23505) DETAIL: Key (id)=(1) already exists."
            )
            #expect(connection.isOpen)
        }
    }

    @Test func raiseWithDetailAndHint() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let error = try #require(throws: PostgresError.self) {
            try connection.execute(
                """
                DO $$ BEGIN
                  RAISE EXCEPTION 'maintenance refused' USING ERRCODE = 'P0001', DETAIL = 'rows in default', HINT = 'move them first';
                END $$
                """,
                purpose: "raise"
            )
        }
        #expect(error.sqlState == "P0001")
        #expect(error.message == "maintenance refused")
        #expect(error.detail == "rows in default")
        #expect(error.hint == "move them first")
        #expect(error.table == nil)
        #expect(
            error.description
                == "raise: maintenance refused (SQLSTATE P0001) DETAIL: rows in default HINT: move them first")
    }

    @Test func syntaxError() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELEC 1", purpose: "typo")
        }
        #expect(error.kind == .server)
        #expect(error.sqlState == "42601")
        #expect(error.description.hasPrefix("typo: syntax error at or near \"SELEC\" (SQLSTATE 42601)"))
    }

    @Test func transactionStatusFollowsTheSession() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        #expect(connection.transactionStatus == .idle)
        try connection.execute("BEGIN", purpose: "begin")
        #expect(connection.transactionStatus == .inTransaction)
        _ = try? connection.execute("SELECT 1/0", purpose: "fail")
        #expect(connection.transactionStatus == .inFailedTransaction)
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELECT 1", purpose: "after failure")
        }
        #expect(error.sqlState == "25P02")
        try connection.execute("ROLLBACK", purpose: "rollback")
        #expect(connection.transactionStatus == .idle)
    }

    @Test func terminatedBackendIsAConnectionLoss() throws {
        let victim = try TestDatabase.connect()
        defer { victim.close() }
        let killer = try TestDatabase.connect()
        defer { killer.close() }
        try killer.query(
            "SELECT pg_terminate_backend($1)", [PostgresValue(Int(victim.backendPID))], purpose: "terminate")
        let error = try #require(throws: PostgresError.self) {
            try victim.execute("SELECT 1", purpose: "after termination")
        }
        #expect(error.kind == .connectionLost)
        #expect(error.isConnectionProblem)
        #expect(!victim.isOpen)
        #expect(victim.transactionStatus == .unknown)
    }

    @Test func closedConnection() throws {
        let connection = try TestDatabase.connect()
        connection.close()
        connection.close()
        #expect(!connection.isOpen)
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELECT 1", purpose: "after close")
        }
        #expect(error.kind == .closed)
        #expect(error.description == "after close: connection is closed")
    }

    @Test(
        "connection problems",
        arguments: [
            (PostgresError(kind: .connectionFailed, message: "x"), true),
            (PostgresError(kind: .connectionLost, message: "x"), true),
            (PostgresError(kind: .server, message: "x", sqlState: "08006"), true),
            (PostgresError(kind: .server, message: "x", sqlState: "57P01"), true),
            (PostgresError(kind: .server, message: "x", sqlState: "57P03"), true),
            (PostgresError(kind: .server, message: "x", sqlState: "57014"), false),
            (PostgresError(kind: .server, message: "x", sqlState: "55P03"), false),
            (PostgresError(kind: .poolExhausted, message: "x"), false),
            (PostgresError(kind: .decoding, message: "x"), false),
        ]
    )
    func connectionProblems(error: PostgresError, expected: Bool) {
        #expect(error.isConnectionProblem == expected)
    }
}
