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
        return "\(oneDecimal(seconds / 3600)) h"
    }

    /// `value` with one decimal, as printf's `%.1f` writes it (rounded to nearest, exact halves to
    /// even), without `String(format:)` (CoreFoundation). For 0 ≤ `value` < 10¹⁴.
    static func oneDecimal(_ value: Double) -> String {
        guard value >= 0, value < 1e14 else { return "\(value)" }
        // value × 10 = tenths + error exactly (the rounding error of a product is a double: FMA).
        let tenths = value * 10
        let error = (-tenths).addingProduct(value, 10)
        var whole = tenths.rounded(.down)
        let fraction = tenths - whole  // exact; the error is below half its last place
        if fraction > 0.5
            || (fraction == 0.5 && (error > 0 || (error == 0 && whole.truncatingRemainder(dividingBy: 2) == 1)))
        {
            whole += 1
        }
        let n = Int64(whole)
        return "\(n / 10).\(n % 10)"
    }
}
