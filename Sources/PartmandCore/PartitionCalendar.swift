import Foundation
import PartmandTime

/// Maps instants to partition slots of a fixed interval whose boundaries fall in a time zone.
///
/// Slots are numbered: slot `i` covers `[boundary(i), boundary(i + 1))`. Boundaries are aligned:
/// - minutes and hours: fixed lengths counted from 1970-01-01 00:00 UTC (time zone ignored, so they
///   stay contiguous and equally long across DST changes);
/// - days: local midnights, every `count` days counted from 1970-01-01;
/// - weeks: local midnight on Mondays (ISO weeks), every `count` weeks counted from 1970-01-05;
/// - months and years: local midnight on the 1st, every `count` months counted from January of year 0,
///   so quarters start in January, April, July and October and years on January 1.
public struct PartitionCalendar: Sendable {
    public let interval: CalendarInterval
    public let timeZone: TimeZone
    private let calendar: Calendar
    /// True in UTC: dates and midnights are then plain arithmetic (no Foundation calendar, which costs
    /// more than the rest of planning a table).
    private let isUTC: Bool

    /// 1970-01-05, the first Monday after the epoch, as a day number.
    private static let mondayAnchor = 4

    public init(interval: CalendarInterval, timeZone: TimeZone) {
        self.interval = interval
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        isUTC = Self.utcIdentifiers.contains(timeZone.identifier)
    }

    /// Zone names that are UTC, with no offset ever.
    private static let utcIdentifiers: Set<String> = [
        "UTC", "GMT", "Etc/UTC", "Etc/GMT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "UCT", "Etc/UCT",
    ]

    /// The number of the slot that contains `instant`.
    public func slot(containing instant: Date) -> Int {
        if let step = interval.fixedSeconds {
            let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
            return Int(floorDiv(seconds, step))
        }
        let date = localDate(of: instant)
        if let months = interval.months {
            return floorDiv(date.monthIndex, months)
        }
        let days = interval.days!
        let anchor = interval.unit == .week ? Self.mondayAnchor : 0
        return floorDiv(date.dayNumber - anchor, days)
    }

    /// The instant at which slot `slot` begins.
    public func boundary(ofSlot slot: Int) -> Date {
        if let step = interval.fixedSeconds {
            return Date(timeIntervalSince1970: TimeInterval(Int64(slot) * step))
        }
        if let months = interval.months {
            return startOfDay(CivilDate(monthIndex: slot * months))
        }
        let days = interval.days!
        let anchor = interval.unit == .week ? Self.mondayAnchor : 0
        return startOfDay(CivilDate(dayNumber: slot * days + anchor))
    }

    /// The range of slot `slot`.
    public func range(ofSlot slot: Int) -> PartitionRange {
        PartitionRange(lower: .value(boundary(ofSlot: slot)), upper: .value(boundary(ofSlot: slot + 1)))
    }

    /// `instant` moved back by `period` on the wall clock of this calendar's time zone
    /// (month arithmetic clamps to the end of shorter months).
    public func instant(_ instant: Date, minus period: CalendarInterval) -> Date {
        let component: Calendar.Component
        var value = -period.count
        switch period.unit {
        case .minute: return instant.addingTimeInterval(TimeInterval(value * 60))
        case .hour: return instant.addingTimeInterval(TimeInterval(value * 3600))
        case .day: component = .day
        case .week:
            component = .day
            value *= 7
        case .month: component = .month
        case .year: component = .year
        }
        return calendar.date(byAdding: component, value: value, to: instant)!
    }

    /// The wall-clock date and time of `instant` in this calendar's time zone.
    public func wallClock(of instant: Date) -> DateComponents {
        calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
    }

    private func localDate(of instant: Date) -> CivilDate {
        if isUTC {
            return CivilDate(dayNumber: Int(floorDiv(Int64(instant.timeIntervalSince1970.rounded(.down)), 86_400)))
        }
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CivilDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// The first instant of a local date (midnight, or the first instant after a DST gap at midnight).
    private func startOfDay(_ date: CivilDate) -> Date {
        if isUTC { return Date(timeIntervalSince1970: TimeInterval(date.dayNumber) * 86_400) }
        let noon = calendar.date(
            from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
        return calendar.startOfDay(for: noon)
    }
}
