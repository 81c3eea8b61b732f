import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

@Suite("connection pool")
struct ConnectionPoolTests {
    private func pool(size: Int = 2, checkoutTimeout: Duration = .seconds(10)) throws -> ConnectionPool {
        ConnectionPool(
            options: try TestDatabase.options(), size: size, checkoutTimeout: checkoutTimeout,
            logger: TestDatabase.logger)
    }

    @Test func connectionsAreReused() throws {
        let pool = try pool()
        defer { pool.close() }
        let pids = try (0..<3).map { _ in try pool.withConnection { $0.backendPID } }
        #expect(Set(pids).count == 1)
    }

    @Test func sizeIsABoundAndWaitingTimesOut() throws {
        let pool = try pool(size: 1, checkoutTimeout: .milliseconds(300))
        defer { pool.close() }
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            do {
                try pool.withConnection { _ in
                    holding.signal()
                    release.wait()
                }
            } catch {
                Issue.record(error)
            }
        }.start()
        holding.wait()
        let started = ContinuousClock.now
        let error = try #require(throws: PostgresError.self) {
            try pool.withConnection { _ in Issue.record("a second connection was handed out") }
        }
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        #expect(error.kind == .poolExhausted)
        #expect(error.message == "no connection available within 0.3s (pool size 1)")
        release.signal()
        done.wait()
        #expect(try pool.withConnection { $0.isOpen })
    }

    @Test func waiterGetsTheReturnedConnection() throws {
        let pool = try pool(size: 1)
        defer { pool.close() }
        let holding = DispatchSemaphore(value: 0)
        let heldPID = LockedBox<Int32>(0)
        Thread {
            _ = try? pool.withConnection { connection in
                heldPID.mutate { $0 = connection.backendPID }
                holding.signal()
                Thread.sleep(forTimeInterval: 0.3)
            }
        }.start()
        holding.wait()
        #expect(try pool.withConnection { $0.backendPID } == heldPID.value)
    }

    @Test func wholeSecondsInTimeoutMessage() throws {
        let pool = try pool(size: 1, checkoutTimeout: .seconds(1))
        defer { pool.close() }
        let error = try #require(throws: PostgresError.self) {
            try pool.withConnection { _ in try pool.withConnection { _ in } }
        }
        #expect(error.message == "no connection available within 1s (pool size 1)")
    }

    @Test func connectionLeftInATransactionIsRolledBack() throws {
        try TestDatabase.withSchema { connection, schema in
            let table = SQL.qualified(schema, "t")
            try connection.execute("CREATE TABLE \(table) (id int)", purpose: "create table")
            let pool = try pool(size: 1)
            defer { pool.close() }
            let first = try pool.withConnection { pooled in
                try pooled.execute("BEGIN", purpose: "begin")
                try pooled.execute("INSERT INTO \(table) VALUES (1)", purpose: "insert")
                return pooled.backendPID
            }
            let (second, status) = try pool.withConnection { ($0.backendPID, $0.transactionStatus) }
            #expect(second == first)
            #expect(status == .idle)
            #expect(try connection.query("SELECT count(*) AS n FROM \(table)", purpose: "count").rows[0].int("n") == 0)

            _ = try? pool.withConnection { pooled in
                try pooled.execute("BEGIN", purpose: "begin")
                try pooled.execute("SELECT 1/0", purpose: "fail")
            }
            #expect(try pool.withConnection { $0.transactionStatus } == .idle)
        }
    }

    @Test func brokenConnectionIsReplaced() throws {
        let pool = try pool(size: 1)
        defer { pool.close() }
        let killer = try TestDatabase.connect()
        defer { killer.close() }
        // Broken while checked out: discarded on return.
        let first = try pool.withConnection { connection in
            try killer.query(
                "SELECT pg_terminate_backend($1)", [PostgresValue(Int(connection.backendPID))], purpose: "terminate")
            _ = try? connection.execute("SELECT 1", purpose: "notice breakage")
            return connection.backendPID
        }
        // Broken while idle: replaced on checkout.
        let second = try pool.withConnection { $0.backendPID }
        #expect(second != first)
        try killer.query(
            "SELECT pg_terminate_backend($1), pg_sleep(0.2)",
            [PostgresValue(Int(second))],
            purpose: "terminate idle"
        )
        let third = try pool.withConnection { connection in
            try connection.execute("SELECT 1", purpose: "probe")
            return connection.backendPID
        }
        #expect(third != second)
    }

    @Test func bodyErrorsPassThrough() throws {
        struct Failure: Error {}
        let pool = try pool(size: 1)
        defer { pool.close() }
        #expect(throws: Failure.self) { try pool.withConnection { _ in throw Failure() } }
        #expect(try pool.withConnection { $0.isOpen })
    }

    @Test func closedPoolRefusesCheckouts() throws {
        let pool = try pool()
        let connection = try pool.withConnection { $0 }
        pool.close()
        #expect(!connection.isOpen)
        let error = try #require(throws: PostgresError.self) { try pool.withConnection { _ in } }
        #expect(error.kind == .closed)
    }

    @Test func unreachableServerFailsCheckoutAndFreesTheSlot() throws {
        let port = try PortProbe.closedPort()
        let pool = ConnectionPool(
            options: ConnectionOptions(conninfo: "host=127.0.0.1 port=\(port)"),
            size: 1,
            checkoutTimeout: .milliseconds(200),
            logger: TestDatabase.logger
        )
        defer { pool.close() }
        for _ in 0..<2 {
            let error = try #require(throws: PostgresError.self) { try pool.withConnection { _ in } }
            #expect(error.kind == .connectionFailed)
        }
    }

    @Test func serverRestartIsTransparent() throws {
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        let pool = ConnectionPool(
            options: ConnectionOptions(conninfo: cluster.conninfo), size: 2, logger: TestDatabase.logger)
        defer { pool.close() }
        let before = try pool.withConnection { $0.backendPID }
        try cluster.restart()
        let after = try pool.withConnection { connection in
            (connection.backendPID, try connection.query("SELECT 1 AS one", purpose: "probe").rows[0].int("one"))
        }
        #expect(after.0 != before)
        #expect(after.1 == 1)
    }
}
