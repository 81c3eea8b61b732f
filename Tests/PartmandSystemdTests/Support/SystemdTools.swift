#if canImport(Glibc)
    import Glibc
#endif

/// Locations of the systemd programs the integration tests run (Debian's `systemd` package).
enum SystemdTools {
    /// The journal daemon, when installed.
    static let journald: String? = firstExecutable([
        "/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald",
    ])
    /// journalctl, when installed.
    static let journalctl: String? = firstExecutable(["/usr/bin/journalctl", "/bin/journalctl"])

    private static func firstExecutable(_ paths: [String]) -> String? {
        paths.first { access($0, X_OK) == 0 }
    }
}
