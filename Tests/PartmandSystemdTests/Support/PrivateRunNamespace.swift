import Foundation
import PartmandTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Runs code on a dedicated thread that has its own mount namespace with a fresh tmpfs on /run.
///
/// Why: the journal client always sends to /run/systemd/journal/socket, so a test of the real
/// handler needs that path to be its own — without touching the host, where a real journald may
/// listen. `setns(CLONE_NEWNS)` is refused in a multithreaded process (the test runner), but
/// `unshare(CLONE_NEWNS)` is not: it implies CLONE_FS and moves only the calling *thread* into a
/// new mount namespace. Path lookups made by that thread (bind, sendmsg to a path, open) and
/// processes it spawns see the private /run; every other thread still sees the host's.
/// Mount propagation is made private first, so nothing leaks back to the host. The namespace goes
/// away when the thread ends and no process spawned inside it remains.
/// Needs root (CAP_SYS_ADMIN); the body must be synchronous and stay on the thread.
enum PrivateRunNamespace {
    private typealias Unshare = @convention(c) (Int32) -> Int32
    private static let cloneNewNS: Int32 = 0x0002_0000  // CLONE_NEWNS

    /// Whether this process may create mount namespaces (root, and `unshare` found in libc).
    static var isAvailable: Bool { geteuid() == 0 && unshareFunction != nil }

    /// `unshare(2)`: hidden behind _GNU_SOURCE in Glibc's Swift module, so looked up at run time.
    private static var unshareFunction: Unshare? {
        dlsym(nil, "unshare").map { unsafeBitCast($0, to: Unshare.self) }
    }

    /// Runs `body` on a new thread inside a private mount namespace with an empty /run (and, when
    /// the host has a persistent journal directory, an empty /var/log/journal too).
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try enter()
                        return try body()
                    })
            }
            thread.name = "partmand-private-run"
            thread.start()
        }
    }

    private static func enter() throws {
        guard let unshare = unshareFunction else { throw SystemCallError("dlsym(unshare)", code: ENOSYS) }
        guard unshare(cloneNewNS) == 0 else { throw SystemCallError("unshare(CLONE_NEWNS)") }
        // Must succeed before anything is mounted, or the tmpfs would propagate to the host.
        guard mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else {
            throw SystemCallError("mount(/, MS_REC|MS_PRIVATE)")
        }
        try mountTmpfs(at: "/run")
        var status = stat()
        if stat("/var/log/journal", &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            try mountTmpfs(at: "/var/log/journal")
        }
    }

    private static func mountTmpfs(at path: String) throws {
        guard mount("tmpfs", path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), "mode=0755") == 0 else {
            throw SystemCallError("mount(tmpfs, \(path))")
        }
    }
}
