import PartmandTime

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to the service manager with the `sd_notify` protocol. All methods are no-ops when `NOTIFY_SOCKET`
/// is unset.
///
/// The protocol (sd_notify(3)) is one datagram of newline-separated assignments to the AF_UNIX socket
/// named in `NOTIFY_SOCKET`: a path, or `@name` in the abstract namespace; other forms are ignored.
/// Nothing is read eagerly: `NOTIFY_SOCKET` is looked up on every call, as libsystemd does. Each method
/// sends exactly one datagram, so combined assignments (`READY=1` with `STATUS=`) reach systemd atomically.
/// Send failures are ignored: the service manager is an observer, never a reason to stop working.
public struct ServiceNotifier: Sendable {
    /// Creates a notifier. Reads nothing; cheap to create anywhere.
    public init() {}

    /// Whether `NOTIFY_SOCKET` is set (non-empty), that is whether a service manager listens.
    public var isEnabled: Bool {
        guard let value = getenv("NOTIFY_SOCKET") else { return false }
        return value.pointee != 0
    }

    /// Start-up is finished: sends `READY=1`, with `STATUS=` in the same datagram when given.
    public func ready(status: String? = nil) {
        send(["READY=1"], status: status)
    }

    /// Sends a free-form status line (`STATUS=…`), shown by `systemctl status`.
    public func status(_ text: String) {
        send([], status: text)
    }

    /// A reload began: sends `RELOADING=1` and `MONOTONIC_USEC=` (CLOCK_MONOTONIC, µs) in one datagram.
    ///
    /// systemd 252 has no `Type=notify-reload`, but still wants both fields together; follow up
    /// with ``ready(status:)`` when the reload is done.
    public func reloading(status: String? = nil) {
        send(["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.nowMicroseconds())"], status: status)
    }

    /// Shutdown began: sends `STOPPING=1`, with `STATUS=` in the same datagram when given.
    public func stopping(status: String? = nil) {
        send(["STOPPING=1"], status: status)
    }

    /// Keeps the watchdog quiet: sends `WATCHDOG=1`. Call only from a check proving the daemon is alive.
    public func watchdogPing() {
        send(["WATCHDOG=1"], status: nil)
    }

    /// Asks for more time for the current start, reload or stop: sends `EXTEND_TIMEOUT_USEC=<µs>`.
    ///
    /// The duration is rounded up to whole microseconds; negative durations count as zero.
    public func extendTimeout(by duration: Duration) {
        send(["EXTEND_TIMEOUT_USEC=\(duration.wholeMicrosecondsRoundedUp)"], status: nil)
    }

    /// The watchdog timeout systemd asks for, else `nil`. Ping every half of it.
    ///
    /// As `sd_watchdog_enabled` does: `WATCHDOG_USEC` holds the timeout in microseconds (a positive
    /// decimal number); when `WATCHDOG_PID` is set, the watchdog is this process's only if it names it.
    public static func watchdogTimeout() -> Duration? {
        guard let usec = environmentNumber("WATCHDOG_USEC"), usec > 0 else { return nil }
        if getenv("WATCHDOG_PID") != nil {
            guard environmentNumber("WATCHDOG_PID") == UInt64(getpid()) else { return nil }
        }
        return .microseconds(Int64(clamping: usec))
    }

    /// An environment variable holding only decimal digits, as a number; `nil` when unset or anything else.
    private static func environmentNumber(_ name: String) -> UInt64? {
        getenv(name).flatMap { DecimalNumber.parse(String(cString: $0)) }
    }

    /// Joins the assignments (plus an optional status) into one message and sends it to `NOTIFY_SOCKET`.
    private func send(_ assignments: [String], status: String?) {
        guard isEnabled, let raw = getenv("NOTIFY_SOCKET"), let address = UnixDatagram.Address(String(cString: raw))
        else { return }
        var lines = assignments
        if let status { lines.append("STATUS=\(Self.singleLine(status))") }
        guard !lines.isEmpty else { return }
        let descriptor = UnixDatagram.openSocket()
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let message = Array(lines.joined(separator: "\n").utf8)
        _ = message.withUnsafeBytes { UnixDatagram.send($0, on: descriptor, to: address) }
    }

    /// The notify protocol is line based: a newline (or NUL) in a status would end or corrupt it.
    static func singleLine(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\0" ? " " : $0 }))
    }
}
