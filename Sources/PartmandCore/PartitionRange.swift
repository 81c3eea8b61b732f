import Foundation
import PartmandTime

/// One end of a range partition's bounds.
public enum RangeBound: Hashable, Sendable, Comparable, CustomStringConvertible {
    case minValue
    case value(Date)
    case maxValue

    public var description: String {
        switch self {
        case .minValue: "MINVALUE"
        case .value(let date): ISO8601.string(date)
        case .maxValue: "MAXVALUE"
        }
    }

    /// The instant, when this bound is a value.
    public var date: Date? {
        if case .value(let date) = self { return date }
        return nil
    }
}

/// The bounds of a range partition: `FROM lower (inclusive) TO upper (exclusive)`.
public struct PartitionRange: Hashable, Sendable, CustomStringConvertible {
    public var lower: RangeBound
    public var upper: RangeBound

    public init(lower: RangeBound, upper: RangeBound) {
        self.lower = lower
        self.upper = upper
    }

    public init(from lower: Date, to upper: Date) {
        self.init(lower: .value(lower), upper: .value(upper))
    }

    public var isEmpty: Bool { lower >= upper }

    public func overlaps(_ other: PartitionRange) -> Bool {
        lower < other.upper && other.lower < upper
    }

    public func contains(_ instant: Date) -> Bool {
        lower <= .value(instant) && .value(instant) < upper
    }

    /// Whether the range ends at or before `cutoff`: the retention rule, so a partition is retired only
    /// when nothing in it is later than the cutoff (a MAXVALUE partition never is).
    public func endsBy(_ cutoff: Date) -> Bool {
        upper <= .value(cutoff)
    }

    /// The parts of this range not covered by any of `others`, in ascending order.
    public func subtracting(_ others: [PartitionRange]) -> [PartitionRange] {
        var pieces: [PartitionRange] = []
        var cursor = lower
        for other in others.sorted(by: { $0.lower < $1.lower }) where other.upper > cursor {
            if other.lower >= upper { break }
            if other.lower > cursor { pieces.append(PartitionRange(lower: cursor, upper: other.lower)) }
            cursor = max(cursor, other.upper)
            if cursor >= upper { break }
        }
        if cursor < upper { pieces.append(PartitionRange(lower: cursor, upper: upper)) }
        return pieces
    }

    public var description: String { "[\(lower), \(upper))" }
}

/// ISO-8601 rendering of instants in UTC for logs and reports.
public enum ISO8601 {
    /// `2026-11-01T00:00:00Z`: the text of `Date.ISO8601FormatStyle` (the fraction dropped towards the past),
    /// by `WallClockText`: the style's `Calendar` would look up the system's time zone in ICU.
    public static func string(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return WallClockText.dateHourMinuteSecond(seconds, offset: 0, separator: "T") + "Z"
    }
}
