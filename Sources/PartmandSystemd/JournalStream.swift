import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where log lines should go.
public enum JournalStream {
    /// True when `$JOURNAL_STREAM` ("dev:ino") matches `fstat(STDERR_FILENO)`'s `st_dev:st_ino`.
    ///
    /// systemd sets the variable when it connects stdout/stderr to journald; comparing with the
    /// real stderr tells apart "started by systemd with output to the journal" from an inherited
    /// variable whose stderr was since redirected (a shell, a pipe, a container).
    /// Malformed values, a missing variable or a closed stderr give `false`.
    public static func stderrIsJournal(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Bool {
        guard let value = environment["JOURNAL_STREAM"], let (device, inode) = parse(value) else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// Splits "dev:ino" into two decimal numbers; anything else (signs, spaces, extra parts) is `nil`.
    static func parse(_ value: String) -> (device: UInt64, inode: UInt64)? {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        guard let device = DecimalNumber.parse(parts[0]), let inode = DecimalNumber.parse(parts[1]) else {
            return nil
        }
        return (device, inode)
    }
}
