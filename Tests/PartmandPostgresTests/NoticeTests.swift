import Logging
import PartmandPostgres
import PartmandTestSupport
import Testing

@Suite("notices")
struct NoticeTests {
    @Test func noticesAreCollectedAndLogged() throws {
        let (logger, store) = RecordingLogHandler.logger()
        let connection = try TestDatabase.connect(logger: logger)
        defer { connection.close() }
        let result = try connection.query(
            """
            DO $$ BEGIN
              RAISE NOTICE 'hello %', 1;
              RAISE WARNING 'careful' USING DETAIL = 'some detail', HINT = 'a hint';
            END $$
            """,
            purpose: "raise notices"
        )
        #expect(result.notices.map(\.severity) == ["NOTICE", "WARNING"])
        #expect(result.notices.map(\.message) == ["hello 1", "careful"])
        #expect(result.notices.map(\.sqlState) == ["00000", "01000"])
        #expect(result.notices[1].detail == "some detail")
        #expect(result.notices[1].hint == "a hint")

        let logged = store.entries.filter { $0.message == "hello 1" || $0.message == "careful" }
        #expect(logged.map(\.level) == [.notice, .warning])
        #expect(logged.map { $0.metadata["sqlstate"]?.description } == ["00000", "01000"])
        #expect(logged.allSatisfy { $0.metadata["backend_pid"]?.description == "\(connection.backendPID)" })

        let next = try connection.query("SELECT 1", purpose: "quiet statement")
        #expect(next.notices.isEmpty)
    }

    @Test func noticesOfAFailedStatementAreLogged() throws {
        let (logger, store) = RecordingLogHandler.logger()
        let connection = try TestDatabase.connect(logger: logger)
        defer { connection.close() }
        _ = try? connection.execute(
            "DO $$ BEGIN RAISE NOTICE 'before failure'; PERFORM 1/0; END $$",
            purpose: "notice then error"
        )
        #expect(store.entries.contains { $0.message == "before failure" && $0.level == .notice })
        #expect(try connection.query("SELECT 1", purpose: "next").notices.isEmpty)
    }
}
