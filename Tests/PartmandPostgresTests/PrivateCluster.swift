import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
            _ = try? Self.run("stop", directory)
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

    /// Runs the script and waits for it. Uses posix_spawn rather than Foundation's Process:
    /// Process watches the child through a descriptor that the daemonised postmaster inherits,
    /// so it would never see the script exit.
    private static func run(_ arguments: String...) throws -> (status: Int32, output: String, errors: String) {
        let outputPath = NSTemporaryDirectory() + "throwaway-pg-\(UUID().uuidString).out"
        let errorPath = outputPath + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, script, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return (exitStatus, read(outputPath), read(errorPath))
    }
}
