import Foundation
import PartmandPostgres
import Testing

@Suite("cancel")
struct CancelTests {
    /// Waits (up to 10 s) until `pid` runs a statement, as seen from another connection.
    private func waitUntilActive(_ pid: Int32) throws {
        let observer = try TestDatabase.connect()
        defer { observer.close() }
        for _ in 0..<200 {
            let active = try observer.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                [PostgresValue(Int(pid))],
                purpose: "watch backend"
            )
            if try active.rows[0].int("n") == 1 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("backend \(pid) never became active")
    }

    @Test func cancelFromAnotherThreadStopsTheStatement() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let pid = connection.backendPID
        let cancelled = DispatchSemaphore(value: 0)
        let watcher = Thread {
            defer { cancelled.signal() }
            do { try waitUntilActive(pid) } catch { Issue.record(error) }
            connection.cancel()
        }
        watcher.start()
        let started = ContinuousClock.now
        let error = try #require(throws: PostgresError.self) {
            try connection.execute("SELECT pg_sleep(30)", purpose: "sleep")
        }
        cancelled.wait()
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(error.kind == .server)
        #expect(error.sqlState == "57014")
        #expect(error.message == "canceling statement due to user request")
        #expect(try connection.query("SELECT 1 AS one", purpose: "still usable").rows[0].int("one") == 1)
    }

    @Test func cancelWhenIdleDoesNothing() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        connection.cancel()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(
            try connection.query("SELECT pg_sleep(0.3), 1 AS one", purpose: "after idle cancel").rows[0].int("one") == 1
        )
        connection.close()
        connection.cancel()
    }

    @Test func poolCancelAllStopsRunningStatements() throws {
        let pool = ConnectionPool(options: try TestDatabase.options(), size: 1, logger: TestDatabase.logger)
        defer { pool.close() }
        let pid = try pool.withConnection { $0.backendPID }
        let watcher = Thread {
            do { try waitUntilActive(pid) } catch { Issue.record(error) }
            pool.cancelAll()
        }
        watcher.start()
        let error = try #require(throws: PostgresError.self) {
            try pool.withConnection { try $0.execute("SELECT pg_sleep(30)", purpose: "sleep") }
        }
        #expect(error.sqlState == "57014")
    }
}
