import Foundation
import PartmandTime

/// When maintenance passes run.
///
/// Pure: the current instant is always a parameter, nothing here reads the clock.
///
/// `.daily` runs are computed from the wall clock of `timeZone` every time, never by adding 24 hours.
/// A configured wall time `W` of a local date runs at **the first instant at which the zone's wall clock
/// reads `W` or later**. That single rule gives the DST behaviour:
/// - an ordinary time runs at the one instant the clock shows it;
/// - a time skipped by a spring-forward gap (Europe/Paris 2027-03-28 02:30) runs at the first instant
///   after the gap (03:00 CEST = 01:00Z), the moment the clock jumps past it;
/// - a time shown twice by a fall-back overlap (Europe/Paris 2027-10-31 02:30, at 00:30Z and 01:30Z)
///   runs once, at its first occurrence; the second occurrence is not a run;
/// - times that land on the same instant (02:00 and 02:30 both inside the gap) are one run.
///
/// No calendar resolves wall times: the zone is only asked instant-to-offset questions
/// (`secondsFromGMT(for:)`) and for its next offset change (`nextTransition(after:)`, every change of UTC
/// offset, not only DST ones), see `firstInstant(reading:)`.
public struct Schedule: Hashable, Sendable {
    public enum Cadence: Hashable, Sendable {
        /// At these wall-clock times every day (sorted, unique, non-empty).
        case daily([TimeOfDay])
        /// Every fixed period, aligned to multiples of the period since 1970-01-01T00:00:00Z (e.g. every 15 min
        /// runs at :00, :15, :30, :45 UTC). The time zone plays no part: `every 1 day` runs at 00:00 UTC.
        case every(Duration)
    }

    public var cadence: Cadence
    public var timeZone: Zone

    /// Daily times are sorted and deduplicated; there must be at least one, and a period must be positive.
    public init(cadence: Cadence, timeZone: Zone) {
        switch cadence {
        case .daily(let times):
            precondition(!times.isEmpty, "a daily schedule needs at least one time of day")
            self.cadence = .daily(Array(Set(times)).sorted())
        case .every(let period):
            precondition(period > .zero, "a schedule period must be positive")
            self.cadence = cadence
        }
        self.timeZone = timeZone
    }

    /// The first run strictly after `instant`.
    public func nextRun(after instant: Date) -> Date {
        switch cadence {
        case .daily(let times): nextDailyRun(after: instant, times: times)
        case .every(let period): nextPeriodicRun(after: instant, period: period)
        }
    }

    /// The next `count` runs strictly after `instant`, ascending.
    public func runs(after instant: Date, count: Int) -> [Date] {
        precondition(count >= 0, "count must not be negative")
        var runs: [Date] = []
        runs.reserveCapacity(count)
        var last = instant
        for _ in 0..<count {
            last = nextRun(after: last)
            runs.append(last)
        }
        return runs
    }

    // MARK: - Daily

    private static let secondsPerDay: Int64 = 86_400

    /// The run instant of a wall time only grows with the wall time (a later wall time is reached no earlier),
    /// so the answer is the earliest run after `instant` among the times of the first local date that has one.
    /// Dates before the local date of `instant` cannot have one: the clock already reads past all their times.
    private func nextDailyRun(after instant: Date, times: [TimeOfDay]) -> Date {
        precondition(!times.isEmpty, "a daily schedule needs at least one time of day")
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        var day = floorDiv(seconds + Int64(timeZone.secondsFromGMT(for: instant)), Self.secondsPerDay)
        while true {
            var earliest: Date?
            for time in times {
                let wall = day * Self.secondsPerDay + Int64(time.hour * 3600 + time.minute * 60)
                let run = firstInstant(reading: wall)
                if run > instant, earliest.map({ run < $0 }) ?? true { earliest = run }
            }
            if let earliest { return earliest }
            // Every time of this date is already past (or the whole date was skipped, as in Pacific/Apia on
            // 2011-12-30): try the next date. Terminates: run instants grow with the date.
            day += 1
        }
    }

    /// The first instant at which the wall clock of `timeZone` reads `wall` or later, `wall` being a local
    /// date and time counted in seconds from 1970-01-01T00:00 local.
    ///
    /// Between two offset changes the offset is constant, so the wall clock `t + offset` rises with `t`: in a
    /// stretch `[start, end)` with offset `o` the first instant reading `wall` or later is
    /// `max(start, wall - o)`, if that is before `end`. Walking the stretches in order, the first one that
    /// has such an instant gives the answer. `max` picks `start` when the clock jumped over `wall` at the
    /// transition `start` (a gap); stretches in order pick the first of two occurrences (an overlap).
    /// The walk starts two days early, where the clock reads less than `wall` (offsets are under a day).
    private func firstInstant(reading wall: Int64) -> Date {
        var start = Date(timeIntervalSince1970: TimeInterval(wall - 2 * Self.secondsPerDay))
        while true {
            let offset = Int64(timeZone.secondsFromGMT(for: start))
            let candidate = max(start, Date(timeIntervalSince1970: TimeInterval(wall - offset)))
            guard let end = timeZone.nextTransition(after: start), end <= candidate else {
                return candidate
            }
            start = end
        }
    }

    // MARK: - Every

    /// The first multiple of `period` (counted from the Unix epoch) strictly after `instant`.
    private func nextPeriodicRun(after instant: Date, period: Duration) -> Date {
        let step = period.timeInterval
        precondition(step > 0, "a schedule period must be positive")
        // Exact for whole-second periods; the loop absorbs floating-point rounding otherwise.
        var multiple = (instant.timeIntervalSince1970 / step).rounded(.down)
        var run = Date(timeIntervalSince1970: multiple * step)
        while run <= instant {
            multiple += 1
            run = Date(timeIntervalSince1970: multiple * step)
        }
        return run
    }
}
