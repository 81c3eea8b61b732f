/// A proleptic Gregorian calendar date without time zone, with day arithmetic.
public struct CivilDate: Hashable, Sendable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Days since 1970-01-01 (negative before), after H. Hinnant's days_from_civil.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Months since year 0 (January of year 0 = 0), for month-aligned arithmetic.
    public var monthIndex: Int { year * 12 + month - 1 }

    /// The first day of the month with the given month index.
    public init(monthIndex: Int) {
        self.init(year: floorDiv(monthIndex, 12), month: floorMod(monthIndex, 12) + 1, day: 1)
    }

    /// The same day `months` months later (earlier when negative), clamped to the end of shorter months
    /// (2027-03-31 minus one month is 2027-02-28).
    public func addingMonths(_ months: Int) -> CivilDate {
        let first = CivilDate(monthIndex: monthIndex + months)
        let length = CivilDate(monthIndex: first.monthIndex + 1).dayNumber - first.dayNumber
        return CivilDate(year: first.year, month: first.month, day: min(day, length))
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.dayNumber < rhs.dayNumber }
}

/// `a / b` rounded towards negative infinity.
package func floorDiv(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// The remainder of `floorDiv`: between 0 and `b` (exclusive) for a positive `b`.
package func floorMod(_ a: Int, _ b: Int) -> Int { a - floorDiv(a, b) * b }

/// `a / b` rounded towards negative infinity.
package func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// The remainder of `floorDiv`: between 0 and `b` (exclusive) for a positive `b`.
package func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
