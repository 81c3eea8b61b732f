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
    public let timeZone: Zone

    /// 1970-01-05, the first Monday after the epoch, as a day number.
    private static let mondayAnchor = 4
    private static let secondsPerDay: Int64 = 86_400

    public init(interval: CalendarInterval, timeZone: Zone) {
        self.interval = interval
        self.timeZone = timeZone
    }

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

    /// `instant` moved back by `period` on the wall clock of this calendar's time zone: the same time of
    /// day on the date `period` earlier (month arithmetic clamps to the end of shorter months), as
    /// Foundation's `Calendar.date(byAdding:value:to:)` gives it. A wall time that occurs twice (a
    /// fall-back overlap) is taken at its second occurrence; a wall time skipped by a gap is read with the
    /// offset before the gap, which lands as far after the gap as the time was into it (02:30 in a 02:00 to
    /// 03:00 gap gives 03:30).
    public func instant(_ instant: Date, minus period: CalendarInterval) -> Date {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let fraction = instant.timeIntervalSince1970 - TimeInterval(seconds)
        let local = seconds + Int64(timeZone.offset(at: seconds))
        let date = CivilDate(dayNumber: Int(floorDiv(local, Self.secondsPerDay)))
        let secondOfDay = floorMod(local, Self.secondsPerDay)
        let earlier: CivilDate
        switch period.unit {
        case .minute: return instant.addingTimeInterval(TimeInterval(-period.count * 60))
        case .hour: return instant.addingTimeInterval(TimeInterval(-period.count * 3600))
        case .day: earlier = CivilDate(dayNumber: date.dayNumber - period.count)
        case .week: earlier = CivilDate(dayNumber: date.dayNumber - 7 * period.count)
        case .month: earlier = date.addingMonths(-period.count)
        case .year: earlier = date.addingMonths(-12 * period.count)
        }
        let wall = Int64(earlier.dayNumber) * Self.secondsPerDay + secondOfDay
        return Date(timeIntervalSince1970: TimeInterval(resolved(wall)) + fraction)
    }

    /// The wall-clock date and time of `instant` in this calendar's time zone.
    public func wallClock(of instant: Date) -> DateComponents {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let local = seconds + Int64(timeZone.offset(at: seconds))
        let date = CivilDate(dayNumber: Int(floorDiv(local, Self.secondsPerDay)))
        let secondOfDay = Int(floorMod(local, Self.secondsPerDay))
        return DateComponents(
            year: date.year, month: date.month, day: date.day, hour: secondOfDay / 3600,
            minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    private func localDate(of instant: Date) -> CivilDate {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        return CivilDate(dayNumber: Int(floorDiv(seconds + Int64(timeZone.offset(at: seconds)), Self.secondsPerDay)))
    }

    /// The stretches of constant offset `[start, end)` from two days before the wall time `wall` (local
    /// seconds since 1970-01-01 00:00) to two days after: beyond them, the clock reads before `wall`
    /// everywhere before, and after it everywhere after (offsets are under a day). The first stretch starts
    /// at the window's start, the last one may end at nil (no later change).
    private func stretches(around wall: Int64) -> [(start: Int64, end: Int64?, offset: Int64)] {
        var stretches: [(start: Int64, end: Int64?, offset: Int64)] = []
        var start = wall - 2 * Self.secondsPerDay
        while true {
            let end = timeZone.nextTransition(after: start)
            stretches.append((start, end, Int64(timeZone.offset(at: start))))
            guard let end, end <= wall + 2 * Self.secondsPerDay else { return stretches }
            start = end
        }
    }

    /// The first instant of a local date: its midnight, the first instant after a DST gap at midnight, or,
    /// when the clock falls back across midnight, the instant from which it never reads the day before
    /// again (so that the slot of every instant is the slot of its local date, as `slot(containing:)` says).
    private func startOfDay(_ date: CivilDate) -> Date {
        let midnight = Int64(date.dayNumber) * Self.secondsPerDay
        var start = Int64.min
        for stretch in stretches(around: midnight) {
            // Instants of the stretch before `stop` read before midnight.
            let stop = min(stretch.end ?? .max, midnight - stretch.offset)
            if stop > stretch.start { start = max(start, stop) }
        }
        return Date(timeIntervalSince1970: TimeInterval(start))
    }

    /// The instant whose wall clock reads `wall`, the last one when there are two; in a gap, `wall` read
    /// with the offset before the gap.
    private func resolved(_ wall: Int64) -> Int64 {
        var last: Int64?
        var gap: Int64?
        var previousOffset: Int64 = 0
        for (index, stretch) in stretches(around: wall).enumerated() {
            let candidate = wall - stretch.offset
            if candidate >= stretch.start && stretch.end.map({ candidate < $0 }) ?? true {
                last = candidate
            } else if candidate < stretch.start, index > 0, last == nil, gap == nil {
                gap = wall - previousOffset
            }
            previousOffset = stretch.offset
        }
        // One of the two: the first stretch starts two days before `wall`, so its clock reads less.
        return last ?? gap!
    }
}
