/// Fixed-format text of a point in time on a wall clock, by integer arithmetic on `CivilDate`: the same
/// text as a `DateFormatter` in the POSIX locale, without ICU (which a formatter pulls into memory, about
/// 3 MiB of a daemon's resident set; BENCHMARKS.md, "The daemon at rest").
///
/// A point in time is whole seconds since 1970-01-01 00:00 UTC (the fraction is dropped, as a formatter
/// does); the wall clock is given by its offset from UTC in seconds (`TimeZone.secondsFromGMT(for:)`).
/// The calendar is the proleptic Gregorian one, the same as `DateFormatter` from 1582-10-15 on; years
/// are written with at least four digits, for years 1 to 9999.
public enum WallClockText {
    /// `HH:mm`, e.g. `02:00`.
    public static func hourMinute(_ secondsSince1970: Int64, offset: Int) -> String {
        let local = secondsSince1970 + Int64(offset)
        return time(Int(floorMod(local, 86_400)))
    }

    /// `yyyy-MM-dd HH:mm xxx`, e.g. `2026-11-28 02:00 +01:00`.
    public static func dateHourMinuteOffset(_ secondsSince1970: Int64, offset: Int) -> String {
        let local = secondsSince1970 + Int64(offset)
        let day = CivilDate(dayNumber: Int(floorDiv(local, 86_400)))
        return "\(date(day)) \(time(Int(floorMod(local, 86_400)))) \(self.offset(offset))"
    }

    /// `yyyy-MM-dd`, e.g. `2026-11-28`.
    public static func date(_ day: CivilDate) -> String {
        "\(zeroPadded(day.year, 4))-\(zeroPadded(day.month, 2))-\(zeroPadded(day.day, 2))"
    }

    /// `xxx`: the offset in hours and minutes, `+01:00`, `-03:30`, `+05:45`, `+00:00` for UTC. Seconds of
    /// an offset (local mean times before 1900) are dropped, as a formatter does.
    public static func offset(_ seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return "\(seconds < 0 ? "-" : "+")\(zeroPadded(minutes / 60, 2)):\(zeroPadded(minutes % 60, 2))"
    }

    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC, e.g. `2026-11-28T02:00:00.250Z`: the text of
    /// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)`, whose `Calendar` would look up the
    /// system's time zone in ICU. Milliseconds are truncated towards the past, as that style does.
    public static func iso8601UTC(millisecondsSince1970 milliseconds: Int64) -> String {
        let seconds = dateHourMinuteSecond(floorDiv(milliseconds, 1000), offset: 0, separator: "T")
        return "\(seconds).\(zeroPadded(floorMod(milliseconds, 1000), 3))Z"
    }

    /// `yyyy-MM-dd HH:mm:ss`, e.g. `2026-11-28 02:00:00`, the date and the time joined by `separator`.
    public static func dateHourMinuteSecond(_ secondsSince1970: Int64, offset: Int, separator: String = " ") -> String {
        let local = secondsSince1970 + Int64(offset)
        let day = CivilDate(dayNumber: Int(floorDiv(local, 86_400)))
        return "\(date(day))\(separator)\(hourMinuteSecond(ofDay: Int(floorMod(local, 86_400))))"
    }

    /// `HH:mm:ss` of a second of the day (0..<86400).
    public static func hourMinuteSecond(ofDay secondOfDay: Int) -> String {
        "\(time(secondOfDay)):\(zeroPadded(secondOfDay % 60, 2))"
    }

    /// `HH:mm` of a second of the day (0..<86400).
    private static func time(_ secondOfDay: Int) -> String {
        "\(zeroPadded(secondOfDay / 3600, 2)):\(zeroPadded(secondOfDay / 60 % 60, 2))"
    }
}

/// `n` in decimal, with leading zeros to `width` characters at least, the sign counted (printf's `%0*ld`).
package func zeroPadded<T: BinaryInteger>(_ n: T, _ width: Int) -> String {
    let sign = n < 0 ? "-" : ""
    let digits = String(n.magnitude)
    return sign + String(repeating: "0", count: max(0, width - sign.count - digits.count)) + digits
}
