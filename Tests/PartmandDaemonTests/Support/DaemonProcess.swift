import Foundation
import PartmandTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One sd_notify datagram: `KEY=value` lines, in order, and when it arrived.
struct NotifyMessage: Sendable, CustomStringConvertible {
    let fields: [(key: String, value: String)]
    let receivedAt: ContinuousClock.Instant

    init(_ bytes: [UInt8], receivedAt: ContinuousClock.Instant) {
        fields = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        self.receivedAt = receivedAt
    }

    /// The value of `key`, when the message assigns it.
    subscript(key: String) -> String? { fields.first { $0.key == key }?.value }

    var isReady: Bool { self["READY"] == "1" }
    var isWatchdogPing: Bool { self["WATCHDOG"] == "1" }
    var status: String? { self["STATUS"] }

    var description: String { fields.map { "\($0.key)=\($0.value)" }.joined(separator: "\\n") }
}

/// A `partmand run` child process with a fake NOTIFY_SOCKET bound by the test.
///
/// The child gets a minimal environment (PATH, HOME, LANG, NOTIFY_SOCKET and `environment`), so the
/// caller's `PG*`, `PARTMAND_*`, `JOURNAL_STREAM` and `WATCHDOG_*` cannot change the outcome; its logs
/// are logfmt lines on stderr. Call ``stop()`` in a `defer`: it SIGKILLs the child if still running
/// and removes the socket and the scratch files.
// @unchecked: `messages` and `cursor` are touched only by the one test that owns the process.
final class DaemonProcess: @unchecked Sendable {
    let process: SpawnedProcess
    let socket: DatagramSocket
    let configPath: String
    /// Every datagram the child sent so far, in arrival order (filled by the `wait`/`collect` calls).
    private(set) var messages: [NotifyMessage] = []
    /// Index into `messages` of the first one ``waitFor(_:timeout:_:)`` has not consumed.
    private var cursor = 0
    private let scratch: URL

    var pid: pid_t { process.pid }
    var stderr: String { process.errors }

    init(config: String, environment: [String: String] = [:], errorToClosedPipe: Bool = false) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "partmand-daemon-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        configPath = scratch.appendingPathComponent("partmand.yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        socket = try DatagramSocket.temporary(passCredentials: true)
        var childEnvironment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
        childEnvironment["NOTIFY_SOCKET"] = socket.path
        childEnvironment.merge(environment) { $1 }
        do {
            process = try SpawnedProcess(
                try Self.executable(), ["run", "--config", configPath], environment: childEnvironment,
                errorToClosedPipe: errorToClosedPipe)
        } catch {
            socket.close()
            try? FileManager.default.removeItem(at: scratch)
            throw error
        }
    }

    /// Replaces the configuration file (atomically, as an editor or config management would).
    func rewriteConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func send(_ signal: Int32) { process.send(signal) }

    /// SIGKILLs the child unless it already exited, then removes the socket and scratch files.
    func stop() {
        process.kill()
        process.removeFiles()
        socket.close()
        try? FileManager.default.removeItem(at: scratch)
    }

    // MARK: - Notifications

    /// Reads the next datagram from the child (skipping other senders), up to `timeout`.
    private func receive(timeout: Duration) throws -> NotifyMessage? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero, let datagram = try socket.receive(timeout: left) else { return nil }
            guard datagram.senderPID == process.pid else { continue }
            let message = NotifyMessage(datagram.bytes, receivedAt: .now)
            messages.append(message)
            return message
        }
    }

    /// Waits for the first not yet consumed message matching `predicate` and consumes everything up to
    /// it. Records an issue (naming `what` and the messages seen) and returns nil on timeout.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
        _ predicate: (NotifyMessage) -> Bool
    ) throws -> NotifyMessage? {
        let deadline = ContinuousClock.now + timeout
        while true {
            while cursor < messages.count {
                let message = messages[cursor]
                cursor += 1
                if predicate(message) { return message }
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero, try receive(timeout: left) != nil else {
                Issue.record(
                    "no notification \(what) within \(timeout); received: \(messages)\n--- stderr\n\(stderr)",
                    sourceLocation: sourceLocation)
                return nil
            }
        }
    }

    /// Collects every message the child sends during `duration` (and consumes them).
    func collect(for duration: Duration) throws -> [NotifyMessage] {
        let deadline = ContinuousClock.now + duration
        var collected: [NotifyMessage] = []
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero, let message = try receive(timeout: left) else { break }
            collected.append(message)
        }
        cursor = messages.count
        return collected
    }

    // MARK: - Logs and exit

    /// Waits until stderr contains `text` `count` times; false on timeout.
    func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stderr.components(separatedBy: text).count - 1 >= count { return true }
            if process.status != nil { return false }
            usleep(50_000)
        }
        return false
    }

    /// Waits up to `timeout` for the child to exit; its exit code, or nil when it is still running.
    func waitForExit(timeout: Duration) -> Int32? { process.wait(timeout: timeout) }

    var isRunning: Bool { process.wait(timeout: .zero) == nil }

    // MARK: - The executable

    /// The `partmand` executable SwiftPM built next to the test bundle (`PARTMAND_BINARY` overrides).
    ///
    /// On Linux the test runner is `<products>/partmandPackageTests.xctest`, so `CommandLine.arguments[0]`
    /// names the products directory; on macOS the bundle sits in it.
    static func executable() throws -> String {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["PARTMAND_BINARY"], !explicit.isEmpty {
            guard fileManager.isExecutableFile(atPath: explicit) else {
                throw SystemCallError("PARTMAND_BINARY=\(explicit) is not an executable file", code: ENOENT)
            }
            return explicit
        }
        var searched: [String] = []
        let starts = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
        ]
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("partmand").path
                searched.append(directory.path)
                var isDirectory: ObjCBool = false
                if fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fileManager.isExecutableFile(atPath: candidate)
                {
                    return candidate
                }
                directory.deleteLastPathComponent()
            }
        }
        throw SystemCallError(
            "the partmand executable was not found next to the test bundle (searched: "
                + searched.joined(separator: ", ") + "); build it with `swift build --build-tests`",
            code: ENOENT)
    }
}
