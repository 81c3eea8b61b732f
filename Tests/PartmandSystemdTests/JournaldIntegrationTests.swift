import Foundation
import Logging
import PartmandTestSupport
import Testing

@testable import PartmandSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// End to end with the real systemd-journald and journalctl, both started in a private mount
/// namespace (fresh /run, see ``PrivateRunNamespace``) so the host's journal is never touched.
///
/// journald drops fields whose names it finds invalid, so finding every PARTMAND_ field in
/// `journalctl -o export` proves the sanitised names are acceptable to journald itself.
@Suite(
    "JournalLogHandler with a real journald",
    .enabled(
        if: PrivateRunNamespace.isAvailable && SystemdTools.journald != nil && SystemdTools.journalctl != nil,
        "needs root, systemd-journald and journalctl")
)
struct JournaldIntegrationTests {
    /// What a run against a private journald gave: the value `write` returned, the entries read back.
    struct Outcome<Value: Sendable>: Sendable {
        let value: Value
        let entries: [JournalEntry]
        let journaldErrors: String
    }

    @Test("entries written by the handler come out of journalctl intact")
    func roundTrip() async throws {
        let identifier = "partmand-it-\(getpid())"
        let outcome = try await Self.withJournald(identifier: identifier, count: 2) { () -> UInt in
            var logger = Logger(label: "partmand.it") {
                JournalLogHandler(label: $0, identifier: identifier, level: .debug)
            }
            logger[metadataKey: "run_id"] = "it-1"
            let line: UInt = #line + 1
            logger.warning(
                "Default partition holds rows\nDETAIL: 3 rows beyond the newest partition",
                metadata: [
                    "table": "public.webhook_events", "duration_ms": "12", "sqlstate": "23514",
                    "http.status-code": "503", "1st": "x", "_hidden": "y", String(repeating: "k", count: 80): "long",
                ])
            logger.debug("second entry")
            return line
        }

        try #require(outcome.entries.count == 2, "journald said: \(outcome.journaldErrors)")
        let entry = outcome.entries[0]
        #expect(entry["MESSAGE"] == "Default partition holds rows\nDETAIL: 3 rows beyond the newest partition")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] == identifier)
        #expect(entry["CODE_FILE"] == "PartmandSystemdTests/JournaldIntegrationTests.swift")
        #expect(entry["CODE_LINE"] == "\(outcome.value)")
        #expect(entry["CODE_FUNC"] == "roundTrip()")
        #expect(entry["_PID"] == "\(getpid())")
        #expect(entry["PARTMAND_TABLE"] == "public.webhook_events")
        #expect(entry["PARTMAND_RUN_ID"] == "it-1")
        #expect(entry["PARTMAND_DURATION_MS"] == "12")
        #expect(entry["PARTMAND_SQLSTATE"] == "23514")
        #expect(entry["PARTMAND_HTTP_STATUS_CODE"] == "503")
        #expect(entry["PARTMAND_1ST"] == "x")
        #expect(entry["PARTMAND__HIDDEN"] == "y")
        #expect(entry["PARTMAND_" + String(repeating: "K", count: 55)] == "long")
        #expect(outcome.entries[1]["MESSAGE"] == "second entry")
        #expect(outcome.entries[1]["PRIORITY"] == "7")
    }

    @Test("an entry too large for a datagram goes through a sealed memfd and arrives whole")
    func largeEntry() async throws {
        let identifier = "partmand-it-large-\(getpid())"
        // Larger than any datagram the socket may send: its buffer is at most twice net.core.wmem_max
        // (4 MiB here), and the journal client asks for 8 MiB.
        let message = String(repeating: "0123456789abcdef", count: 9 * 1024 * 1024 / 16) + "\nlast line"
        let outcome = try await Self.withJournald(identifier: identifier, count: 1) {
            NativeJournal.send(["MESSAGE=\(message)", "SYSLOG_IDENTIFIER=\(identifier)", "PRIORITY=6"])
        }
        #expect(outcome.value == 0)
        let entry = try #require(outcome.entries.first, "journald said: \(outcome.journaldErrors)")
        #expect(entry["MESSAGE"]?.utf8.count == message.utf8.count)
        #expect(entry["MESSAGE"] == message)
        #expect(entry["_PID"] == "\(getpid())")
    }

    /// Starts systemd-journald in a private /run, runs `write`, and reads back up to `count` entries of
    /// `identifier` with journalctl.
    static func withJournald<Value: Sendable>(
        identifier: String, count: Int, _ write: @escaping @Sendable () -> Value
    ) async throws -> Outcome<Value> {
        let journald = try #require(SystemdTools.journald)
        let journalctl = try #require(SystemdTools.journalctl)
        return try await PrivateRunNamespace.run { () throws -> Outcome<Value> in
            let daemon = try SpawnedProcess(journald, [])
            defer {
                daemon.terminate()
                daemon.removeFiles()
            }
            try Self.waitFor(path: "/run/systemd/journal/socket", daemon: daemon)
            let value = write()
            let entries = try Self.read(journalctl, identifier: identifier, count: count)
            return Outcome(value: value, entries: entries, journaldErrors: daemon.errors)
        }
    }

    /// journald writes asynchronously: polls journalctl until `count` entries of `identifier` are readable.
    static func read(_ journalctl: String, identifier: String, count: Int) throws -> [JournalEntry] {
        let deadline = ContinuousClock.now + .seconds(15)
        var entries: [JournalEntry] = []
        while ContinuousClock.now < deadline {
            let result = try SpawnedProcess.run(
                journalctl,
                [
                    "--directory=/run/log/journal", "--output=export", "--no-pager", "--all",
                    "SYSLOG_IDENTIFIER=\(identifier)",
                ])
            if result.status == 0 { entries = try JournalWireFormat.parseExport(result.output) }
            if entries.count >= count { break }
            usleep(100_000)
        }
        return entries
    }

    /// Waits until journald has bound its native socket (it creates it itself when not socket-activated).
    static func waitFor(path: String, daemon: SpawnedProcess) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while access(path, F_OK) != 0 {
            if daemon.wait(timeout: .zero) != nil {
                throw SystemCallError("systemd-journald exited early: \(daemon.errors)", code: ECHILD)
            }
            guard ContinuousClock.now < deadline else {
                throw SystemCallError("systemd-journald did not create \(path): \(daemon.errors)", code: ETIMEDOUT)
            }
            usleep(20_000)
        }
    }
}
