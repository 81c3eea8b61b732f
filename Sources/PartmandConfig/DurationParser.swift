import Foundation

/// Parses durations such as `1s`, `500ms`, `5min`, `10 minutes`, `2h`, `1 day`.
/// A bare number is refused: the unit must be explicit.
enum DurationParser {
    static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let split = trimmed.firstIndex(where: { !($0.isNumber || $0 == ".") }) else { return nil }
        guard let amount = Double(trimmed[..<split]), amount >= 0, amount.isFinite else { return nil }
        let unit = trimmed[split...].trimmingCharacters(in: .whitespaces)
        let seconds: Double
        switch unit {
        case "ms", "millisecond", "milliseconds": seconds = amount / 1000
        case "s", "sec", "secs", "second", "seconds": seconds = amount
        case "m", "min", "mins", "minute", "minutes": seconds = amount * 60
        case "h", "hour", "hours": seconds = amount * 3600
        case "d", "day", "days": seconds = amount * 86400
        default: return nil
        }
        let milliseconds = (seconds * 1000).rounded()
        guard milliseconds < Double(Int64.max / 2) else { return nil }
        return .milliseconds(Int64(milliseconds))
    }
}
