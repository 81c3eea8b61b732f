/// A calendar interval such as "1 month" or "15 minutes": the size of a partition or a retention period.
public struct CalendarInterval: Hashable, Sendable, CustomStringConvertible {
    /// The calendar unit of an interval.
    public enum Unit: String, Sendable, CaseIterable {
        case minute, hour, day, week, month, year
    }

    public let count: Int
    public let unit: Unit

    public init(_ count: Int, _ unit: Unit) {
        precondition(count > 0, "interval count must be positive")
        self.count = count
        self.unit = unit
    }

    /// Parses `hourly`, `daily`, `weekly`, `monthly`, `quarterly`, `yearly`, or `N unit` where unit is
    /// minute(s), hour(s), day(s), week(s), month(s) or year(s). Returns nil for anything else.
    public init?(parsing text: String) {
        let words = text.lowercased().split(whereSeparator: \.isWhitespace)
        switch words.count {
        case 1:
            switch words[0] {
            case "hourly": self.init(1, .hour)
            case "daily": self.init(1, .day)
            case "weekly": self.init(1, .week)
            case "monthly": self.init(1, .month)
            case "quarterly": self.init(3, .month)
            case "yearly": self.init(1, .year)
            default: return nil
            }
        case 2:
            guard let count = Int(words[0]), count > 0, count <= 100_000 else { return nil }
            var unitWord = String(words[1])
            if unitWord.hasSuffix("s") { unitWord.removeLast() }
            guard let unit = Unit(rawValue: unitWord) else { return nil }
            self.init(count, unit)
        default:
            return nil
        }
    }

    /// True for intervals shorter than a day (partition names then carry a time of day).
    public var isSubDay: Bool { unit == .minute || unit == .hour }

    /// Length in seconds for fixed-length units (minute, hour); nil for calendar units.
    var fixedSeconds: Int64? {
        switch unit {
        case .minute: Int64(count) * 60
        case .hour: Int64(count) * 3600
        default: nil
        }
    }

    /// Length in whole months for month and year units; nil otherwise.
    var months: Int? {
        switch unit {
        case .month: count
        case .year: count * 12
        default: nil
        }
    }

    /// Length in whole days for day and week units; nil otherwise.
    var days: Int? {
        switch unit {
        case .day: count
        case .week: count * 7
        default: nil
        }
    }

    /// True when this interval is shorter than `other` however the calendar falls: months are compared
    /// as months (a year is 12), otherwise a month counts as 28 to 31 days, a year as 365 to 366 and a
    /// day as 24 hours. `30 days` is not shorter than `1 month` (February is shorter); `4 weeks` is not either.
    public func isShorter(than other: CalendarInterval) -> Bool {
        if let months, let otherMonths = other.months { return months < otherMonths }
        return secondsRange.upperBound < other.secondsRange.lowerBound
    }

    /// The shortest and the longest this interval can last, in seconds.
    private var secondsRange: ClosedRange<Int64> {
        let day: Int64 = 86_400
        if let fixedSeconds { return fixedSeconds...fixedSeconds }
        if let days { return Int64(days) * day...Int64(days) * day }
        if unit == .year { return Int64(count) * 365 * day...Int64(count) * 366 * day }
        return Int64(count) * 28 * day...Int64(count) * 31 * day
    }

    public var description: String { "\(count) \(unit.rawValue)\(count == 1 ? "" : "s")" }
}
