import Foundation

extension Duration {
    /// Whole milliseconds (truncated towards zero).
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a TimeInterval.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// Whole microseconds, rounded up, clamped to `0...UInt64.max` (systemd's `usec_t`).
    public var wholeMicrosecondsRoundedUp: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds > 0 || (seconds == 0 && attoseconds > 0) else { return 0 }
        // `components` keeps both parts non-negative here; attoseconds are below 10^18.
        let attosecondsPerMicrosecond: Int64 = 1_000_000_000_000
        var micros = UInt64(attoseconds / attosecondsPerMicrosecond)
        if attoseconds % attosecondsPerMicrosecond != 0 { micros += 1 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return .max }
        let (total, overflow2) = whole.addingReportingOverflow(micros)
        return overflow2 ? .max : total
    }

    /// "10s", "0.5s": seconds, without a fraction when there is none.
    public var secondsText: String {
        let seconds = timeInterval
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
