import Foundation

/// Phrases shared by reports and verdicts.
public enum Wording {
    /// `1 row`, `3 rows`.
    public static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// A span of seconds for people: "42 s", "17 min", "3.5 h".
    public static func span(_ seconds: TimeInterval) -> String {
        if seconds < 120 { return "\(Int(seconds)) s" }
        if seconds < 7200 { return "\(Int(seconds / 60)) min" }
        return String(format: "%.1f h", seconds / 3600)
    }
}
