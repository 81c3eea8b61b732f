import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child started with posix_spawn from the calling thread (so it inherits that thread's mount
/// namespace, which ChildProcess would do too, but this one can also run in the background, be
/// signalled, and keeps the output as bytes). Output goes to files under /tmp.
///
/// The child gets exactly `environment` (nothing inherited), an empty signal mask and default
/// dispositions for the signals daemons handle, whatever the spawning thread had. Reaping uses
/// waitpid only: Foundation's `Process.waitUntilExit()` was seen to hang here.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    public let outputPath: String
    public let errorPath: String
    /// The exit code once reaped; held while reaping or signalling, so a reaped pid is never signalled.
    private let exitStatus = Mutex<Int32?>(nil)

    /// With `errorToClosedPipe`, stderr is a pipe whose reading end is closed at once, so every write to
    /// it fails with EPIPE (and raises SIGPIPE unless the child ignores it); `errors` stays empty.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        errorToClosedPipe: Bool = false
    ) throws {
        let scratch = "/tmp/partmand-spawn-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        outputPath = scratch + ".out"
        errorPath = scratch + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var pipeEnds: [Int32] = [-1, -1]
        if errorToClosedPipe {
            guard pipe(&pipeEnds) == 0 else { throw SystemCallError("pipe") }
            // pipe2(O_CLOEXEC) is hidden behind _GNU_SOURCE: the parent's ends must not leak into other
            // children spawned meanwhile (one holding the reading end would keep the pipe unbroken).
            for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        defer {
            for end in pipeEnds where end >= 0 { close(end) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw SystemCallError("posix_spawn(\(executable))", code: spawned) }
        self.pid = pid
    }

    /// Runs to completion and returns (exit status, stdout bytes).
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: [UInt8]) {
        let process = try SpawnedProcess(executable, arguments)
        defer { process.removeFiles() }
        let status = process.wait()
        return (status, process.output)
    }

    public var output: [UInt8] { (FileManager.default.contents(atPath: outputPath).map { [UInt8]($0) }) ?? [] }
    public var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// The exit code once the child has been reaped (128+signal when killed), else nil.
    public var status: Int32? {
        exitStatus.withLock { $0 }
    }

    /// Sends `signal` to the child, unless it has already been reaped (its pid could be reused).
    public func send(_ signal: Int32) {
        exitStatus.withLock { exitStatus in
            if exitStatus == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// Waits for the exit; returns the exit code (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        exitStatus.withLock { exitStatus in
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let code = Self.exitCode(status)
            exitStatus = code
            return code
        }
    }

    /// Waits up to `timeout` for the exit; returns the exit code, or nil when still running.
    public func wait(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let code: Int32? = exitStatus.withLock { exitStatus in
                if let exitStatus { return exitStatus }
                var status: Int32 = 0
                guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
                exitStatus = Self.exitCode(status)
                return exitStatus
            }
            if let code { return code }
            guard ContinuousClock.now < deadline else { return nil }
            usleep(10_000)
        }
    }

    /// Sends SIGTERM (SIGKILL after 5 s) and reaps the child; returns its exit code.
    @discardableResult
    public func terminate() -> Int32 {
        send(SIGTERM)
        if let code = wait(timeout: .seconds(5)) { return code }
        return kill()
    }

    /// Sends SIGKILL and reaps the child (a no-op when already reaped); returns its exit code.
    @discardableResult
    public func kill() -> Int32 {
        send(SIGKILL)
        return wait()
    }

    public func removeFiles() {
        unlink(outputPath)
        unlink(errorPath)
    }

    /// A waitpid status as an exit code (128+signal when killed).
    private static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
