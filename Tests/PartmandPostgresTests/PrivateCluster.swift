import Foundation
import Testing

/// A PostgreSQL cluster of this test's own (via `scripts/throwaway-pg`), for tests that restart
/// the server. Never use it for the shared dev server.
final class PrivateCluster {
    let directory: String
    let conninfo: String

    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/throwaway-pg").path

    /// Starts a cluster on a free port in 55100–55199.
    init() throws {
        directory = "/tmp/partmand-pgtest-\(UUID().uuidString.prefix(8).lowercased())"
        var lastError = ""
        for port in (55100...55199).shuffled().prefix(5) where PortProbe.isFree(UInt16(port)) {
            let (status, output, errors) = try Self.run("start", directory, String(port))
            if status == 0 {
                conninfo = output.trimmingCharacters(in: .whitespacesAndNewlines)
                return
            }
            lastError = errors
        }
        throw StartFailed(message: "could not start a private PostgreSQL cluster: \(lastError)")
    }

    struct StartFailed: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Restarts the server (fast shutdown: open connections are terminated).
    func restart() throws {
        let (status, _, errors) = try Self.run("restart", directory)
        try #require(status == 0, "throwaway-pg restart failed: \(errors)")
    }

    /// Stops the server and deletes its directory.
    func stop() {
        _ = try? Self.run("stop", directory)
    }

    private static func run(_ arguments: String...) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus,
            String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }
}
