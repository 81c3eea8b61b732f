import Foundation
import PartmandTime

/// A PostgreSQL interval as the server keeps it: months, days and a time part. `timestamptz - interval`
/// takes them off in that order: months and days on the calendar, then the time part as elapsed time.
public struct IntervalSpan: Hashable, Sendable {
    public var months: Int
    public var days: Int
    public var microseconds: Int64

    public init(months: Int = 0, days: Int = 0, microseconds: Int64 = 0) {
        self.months = months
        self.days = days
        self.microseconds = microseconds
    }

    private static let microsecondsPerDay: Int64 = 86_400_000_000

    /// `instant` minus this interval on the UTC calendar, as `timestamptz - interval` computes it in a
    /// session whose TimeZone is UTC (as partmand's are), to the microsecond: going back a month from the
    /// 31st lands on the last day of a shorter month; the time of day is kept across months and days.
    public func subtracted(from instant: Date) -> Date {
        let micros = Int64((instant.timeIntervalSince1970 * 1_000_000).rounded())
        let timeOfDay = floorMod(micros, Self.microsecondsPerDay)
        var date = CivilDate(dayNumber: Int(floorDiv(micros, Self.microsecondsPerDay)))
        if months != 0 {
            let month = date.monthIndex - months
            let length = CivilDate(monthIndex: month + 1).dayNumber - CivilDate(monthIndex: month).dayNumber
            let first = CivilDate(monthIndex: month)
            date = CivilDate(year: first.year, month: first.month, day: min(date.day, length))
        }
        let day = Int64(date.dayNumber - days)
        let result = day * Self.microsecondsPerDay + timeOfDay - microseconds
        return Date(timeIntervalSince1970: Double(result) / 1_000_000)
    }
}
