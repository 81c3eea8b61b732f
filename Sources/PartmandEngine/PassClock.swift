import Foundation

/// Where a pass's "now" came from, which decides whether the pass may retire partitions.
public enum PassClock: Sendable, Equatable {
    /// The machine's clock. A pass refuses to run at all when it is far from the server's clock.
    case system
    /// An instant the operator gave (`--now`, `PARTMAND_NOW`). Partitions are created for it as usual;
    /// partitions are retired only when it is close to the server's clock, or with `retireAnyway`
    /// (`--allow-retire-at-now`, and simulations of months passing in tests).
    case given(retireAnyway: Bool)
}

/// How far a pass's "now" lies from the server's clock.
struct ClockSkew: CustomStringConvertible {
    /// How far the two may differ before retiring is refused.
    static let tolerance: TimeInterval = 300

    /// Seconds `now` lies after the server's clock (negative: before).
    let seconds: TimeInterval

    init(now: Date, server: Date) {
        seconds = now.timeIntervalSince(server)
    }

    var isTolerable: Bool { abs(seconds) <= Self.tolerance }

    /// "3 days ahead of", "412 s behind".
    var description: String {
        let magnitude = abs(seconds)
        let amount =
            magnitude >= 2 * 86400
            ? "\(Int(magnitude / 86400)) days"
            : magnitude >= 2 * 3600 ? "\(Int(magnitude / 3600)) hours" : "\(Int(magnitude)) s"
        return "\(amount) \(seconds > 0 ? "ahead of" : "behind")"
    }
}
