import CSystemd
import PartmandTime

#if canImport(Glibc)
    import Glibc
#endif

/// Talks to the service manager through `sd_notify`. All methods are no-ops when `NOTIFY_SOCKET` is unset.
///
/// Nothing is read eagerly: `sd_notify` looks `NOTIFY_SOCKET` up itself on every call. Each method sends
/// exactly one datagram, so combined assignments (`READY=1` with `STATUS=`) reach systemd atomically.
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

    /// The watchdog timeout when `sd_watchdog_enabled(0, &usec) > 0`, else `nil`. Ping every half of it.
    ///
    /// `sd_watchdog_enabled` reads `WATCHDOG_USEC` and honours `WATCHDOG_PID` (a watchdog meant for
    /// another process counts as disabled).
    public static func watchdogTimeout() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// Joins the assignments (plus an optional status) into one message and hands it to `sd_notify`.
    private func send(_ assignments: [String], status: String?) {
        guard isEnabled else { return }
        var lines = assignments
        if let status { lines.append("STATUS=\(Self.singleLine(status))") }
        guard !lines.isEmpty else { return }
        _ = sd_notify(0, lines.joined(separator: "\n"))
    }

    /// The notify protocol is line based: a newline (or NUL) in a status would end or corrupt it.
    static func singleLine(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0 == "\n" || $0 == "\r" || $0 == "\0" ? " " : $0 }))
    }
}
