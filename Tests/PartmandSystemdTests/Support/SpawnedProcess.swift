import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A child started with posix_spawn from the calling thread (so it inherits that thread's mount
/// namespace, which ChildProcess would do too, but this one can also run in the background and
/// keeps the output as bytes). Output goes to files under /tmp.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    let outputPath: String
    let errorPath: String
    private var exitStatus: Int32?

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let scratch = "/tmp/partmand-spawn-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        outputPath = scratch + ".out"
        errorPath = scratch + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw SystemCallError("posix_spawn(\(executable))", code: spawned) }
        self.pid = pid
    }

    /// Runs to completion and returns (exit status, stdout bytes).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
        let process = try SpawnedProcess(executable, arguments)
        defer { process.removeFiles() }
        let status = process.wait()
        return (status, process.output)
    }

    var output: [UInt8] { (FileManager.default.contents(atPath: outputPath).map { [UInt8]($0) }) ?? [] }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit; returns the exit code (128+signal when killed).
    @discardableResult
    func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Sends SIGTERM (SIGKILL after 5 s) and reaps the child.
    func terminate() {
        guard exitStatus == nil else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(5)
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                exitStatus = 128 + SIGTERM
                return
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        wait()
    }

    func removeFiles() {
        unlink(outputPath)
        unlink(errorPath)
    }
}
