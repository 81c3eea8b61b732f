import Foundation
import Testing

/// A PostgreSQL cluster of the calling test's own (via `scripts/throwaway-pg`), for tests that stop,
/// restart or reconfigure the server. Never used for the shared test server.
public final class PrivateCluster: Sendable {
    public let directory: String
    public let conninfo: String

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/throwaway-pg").path

    /// Starts a cluster on a free port in 55100–55399.
    public init() throws {
        directory = "/tmp/partmand-pgtest-\(UUID().uuidString.prefix(8).lowercased())"
        var lastError = ""
        for port in (55100...55399).shuffled().prefix(8) {
            let (status, output, errors) = try Self.run("start", directory, String(port))
            if status == 0 {
                conninfo = output.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            lastError = errors
            _ = try? Self.run("stop", directory)
        }
        throw StartFailed(message: "could not start a private PostgreSQL cluster: \(lastError)")
    }

    struct StartFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Restarts the server (fast shutdown: open connections are terminated).
    public func restart() throws {
        let (status, _, errors) = try Self.run("restart", directory)
        try #require(status == 0, "throwaway-pg restart failed: \(errors)")
    }

    /// Restarts the server as a standby with no primary (`standby.signal`): it stays in recovery,
    /// read-only, with the data it had.
    public func becomeStandby() throws {
        let (status, _, errors) = try Self.run("standby", directory)
        try #require(status == 0, "throwaway-pg standby failed: \(errors)")
    }

    /// Stops the server and deletes its directory.
    public func stop() {
        _ = try? Self.run("stop", directory)
    }

    private static func run(_ arguments: String...) throws -> (Int32, String, String) {
        let result = try ChildProcess.run(script, arguments)
        return (result.status, result.output, result.errors)
    }
}
