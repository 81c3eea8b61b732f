import Foundation
import Logging
import PartmandTestSupport
import Testing

@testable import PartmandSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// The real handler and its native-protocol client, read back from a socket that stands in for
/// journald at /run/systemd/journal/socket.
///
/// The journal client always sends to that fixed path. Binding it on the host would clash
/// with (or, on cleanup, delete) a real journald's socket, so the logging runs on a thread with a
/// private mount namespace and its own tmpfs /run (see ``PrivateRunNamespace``). The datagrams are
/// decoded with a native-protocol parser that understands both the `NAME=value` and the
/// length-prefixed binary form used for values containing newlines. Entries stay small, so the client
/// never takes its memfd path (JournaldIntegrationTests covers that one with a real journald).
@Suite(
    "JournalLogHandler (native protocol)",
    .enabled(if: PrivateRunNamespace.isAvailable, "needs root for a private mount namespace"))
struct JournalLogHandlerTests {
    /// Where a log call was made, as the handler should report it.
    struct CallSite: Sendable {
        let file: String
        let line: UInt
        let function: String
    }

    /// Logs `message` with `metadata` at `level` from a known call site.
    static func emit(
        _ logger: Logger, _ level: Logger.Level, _ message: Logger.Message, metadata: Logger.Metadata? = nil
    ) -> CallSite {
        let line: UInt = #line + 1
        logger.log(level: level, message, metadata: metadata)
        return CallSite(file: #fileID, line: line, function: #function)
    }

    /// Runs `body` with a logger whose handler sends to a fake journald socket; returns the datagrams.
    static func capture(
        identifier: String = "partmand-test",
        _ body: @escaping @Sendable (Logger, () throws -> [UInt8]) throws -> CallSite?
    ) async throws -> (entries: [JournalEntry], site: CallSite?) {
        let (datagrams, site) = try await PrivateRunNamespace.run { () throws -> ([[UInt8]], CallSite?) in
            try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
            let socket = try DatagramSocket(bindingTo: "/run/systemd/journal/socket")
            defer { socket.close() }
            let logger = Logger(label: "partmand.test") {
                JournalLogHandler(label: $0, identifier: identifier, level: .trace)
            }
            nonisolated(unsafe) var received: [[UInt8]] = []
            let site = try body(logger) {
                guard let datagram = try socket.receive(timeout: .seconds(5)) else {
                    throw SystemCallError("no datagram at the fake journald socket", code: ETIMEDOUT)
                }
                received.append(datagram.bytes)
                return datagram.bytes
            }
            return (received, site)
        }
        return (try datagrams.map(JournalWireFormat.parseDatagram), site)
    }

    @Test("an entry carries message, priority, identifier, call site and PARTMAND_ metadata fields")
    func entryFields() async throws {
        let (entries, site) = try await Self.capture { logger, next in
            let site = Self.emit(
                logger, .warning, "Partition retired",
                metadata: [
                    "table": "public.webhook_events", "run_id": "7f3a", "duration_ms": "182", "sqlstate": "55P03",
                ])
            _ = try next()
            return site
        }
        let entry = try #require(entries.first)
        let call = try #require(site)
        #expect(entries.count == 1)
        #expect(entry["MESSAGE"] == "Partition retired")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] == "partmand-test")
        #expect(entry["CODE_FILE"] == call.file)
        #expect(entry["CODE_FILE"] == "PartmandSystemdTests/JournalLogHandlerTests.swift")
        #expect(entry["CODE_LINE"] == "\(call.line)")
        #expect(entry["CODE_FUNC"] == call.function)
        #expect(entry["PARTMAND_TABLE"] == "public.webhook_events")
        #expect(entry["PARTMAND_RUN_ID"] == "7f3a")
        #expect(entry["PARTMAND_DURATION_MS"] == "182")
        #expect(entry["PARTMAND_SQLSTATE"] == "55P03")
        #expect(
            Set(entry.names)
                == [
                    "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC",
                    "PARTMAND_DURATION_MS", "PARTMAND_RUN_ID", "PARTMAND_SQLSTATE", "PARTMAND_TABLE",
                ])
        #expect(entry.names.count == 10)
    }

    @Test("values with newlines survive (binary form), keys are sanitised to valid field names")
    func newlinesAndKeys() async throws {
        let (entries, _) = try await Self.capture { logger, next in
            _ = Self.emit(
                logger, .error, "ATTACH PARTITION failed\nDETAIL: row violates partition constraint",
                metadata: [
                    "detail": "line one\nline two", "http.status-code": "503", "1st": "a", "_private": "b",
                    "message": "not the MESSAGE", String(repeating: "k", count: 80): "long",
                ])
            let raw = try next()
            // The client switched to the binary form for the two multi-line values.
            #expect(raw.starts(with: Array("MESSAGE\n".utf8)))
            return nil
        }
        let entry = try #require(entries.first)
        #expect(entry["MESSAGE"] == "ATTACH PARTITION failed\nDETAIL: row violates partition constraint")
        #expect(entry["PRIORITY"] == "3")
        #expect(entry["PARTMAND_DETAIL"] == "line one\nline two")
        #expect(entry["PARTMAND_HTTP_STATUS_CODE"] == "503")
        #expect(entry["PARTMAND_1ST"] == "a")
        #expect(entry["PARTMAND__PRIVATE"] == "b")
        #expect(entry["PARTMAND_MESSAGE"] == "not the MESSAGE")
        #expect(entry["PARTMAND_" + String(repeating: "K", count: 55)] == "long")
        #expect(entry.fields.filter { $0.name == "MESSAGE" }.count == 1)
        for name in entry.names { #expect(JournalWireFormat.isValidClientFieldName(name), "\(name)") }
    }

    @Test("every level gets its syslog priority")
    func priorities() async throws {
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        let (entries, _) = try await Self.capture { logger, next in
            for level in levels {
                _ = Self.emit(logger, level, "at \(level)")
                _ = try next()
            }
            return nil
        }
        #expect(entries.map { $0["PRIORITY"] } == ["7", "7", "6", "5", "4", "3", "2"])
        #expect(entries.map { $0["MESSAGE"] } == levels.map { "at \($0)" })
    }

    @Test("handler metadata, provider metadata and call metadata merge; the call wins")
    func metadataMerge() async throws {
        let (entries, _) = try await Self.capture { base, next in
            var logger = Logger(label: "merge") { label in
                var handler = JournalLogHandler(label: label, identifier: "partmand-test", level: .trace)
                handler.metadataProvider = Logger.MetadataProvider { ["pass": "nightly", "table": "from.provider"] }
                return handler
            }
            logger[metadataKey: "table"] = "from.handler"
            logger[metadataKey: "run_id"] = "r1"
            _ = base
            _ = Self.emit(logger, .info, "merged", metadata: ["table": "public.webhook_events"])
            _ = try next()
            logger.info("with error", error: PartitionError())
            _ = try next()
            return nil
        }
        #expect(entries.count == 2)
        #expect(entries.first?["PARTMAND_TABLE"] == "public.webhook_events")
        #expect(entries.first?["PARTMAND_RUN_ID"] == "r1")
        #expect(entries.first?["PARTMAND_PASS"] == "nightly")
        #expect(entries.last?["PARTMAND_ERROR"] == "lock timeout")
    }

    struct PartitionError: Error, CustomStringConvertible {
        var description: String { "lock timeout" }
    }
}
