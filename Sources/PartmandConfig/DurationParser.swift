/// Parses durations such as `1s`, `500ms`, `5min`, `10 minutes`, `2h`, `1 day`.
/// A bare number is refused: the unit must be explicit.
enum DurationParser {
    static func parse(_ text: String) -> Duration? {
        let trimmed = trimmedSpaces(text).lowercased()
        guard let split = trimmed.firstIndex(where: { !($0.isNumber || $0 == ".") }) else { return nil }
        guard let amount = Double(trimmed[..<split]), amount >= 0, amount.isFinite else { return nil }
        let unit = trimmedSpaces(trimmed[split...])
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

    /// `text` without leading and trailing spaces and tabs (Unicode's space separators and U+0009, the set
    /// Foundation's `CharacterSet.whitespaces` holds), in plain Swift: no CoreFoundation.
    static func trimmedSpaces(_ text: some StringProtocol) -> String {
        func isSpace(_ character: Character) -> Bool {
            character.unicodeScalars.allSatisfy { $0 == "\t" || $0.properties.generalCategory == .spaceSeparator }
        }
        guard let first = text.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = text.lastIndex(where: { !isSpace($0) })!
        return String(text[first...last])
    }
}
