import Foundation
import PartmandCore
import Testing

@testable import PartmandTime

@Suite("WallClockText")
struct WallClockTextTests {
    /// 2026-11-28 02:00:00 UTC.
    let next: Int64 = 1_795_831_200

    @Test("hours and minutes on the wall clock of an offset")
    func hourMinute() {
        #expect(WallClockText.hourMinute(next, offset: 0) == "02:00")
        #expect(WallClockText.hourMinute(next, offset: 3600) == "03:00")
        #expect(WallClockText.hourMinute(next, offset: 20_700) == "07:45")  // +05:45
        #expect(WallClockText.hourMinute(next, offset: -12_600) == "22:30")  // -03:30, the day before
        #expect(WallClockText.hourMinute(next + 59, offset: 0) == "02:00")
        #expect(WallClockText.hourMinute(-1, offset: 0) == "23:59")
    }

    @Test(
        "date, time and offset",
        arguments: [
            (0, "2026-11-28 02:00 +00:00"),
            (3600, "2026-11-28 03:00 +01:00"),
            (7200, "2026-11-28 04:00 +02:00"),
            (20_700, "2026-11-28 07:45 +05:45"),
            (45_900, "2026-11-28 14:45 +12:45"),
            (50_400, "2026-11-28 16:00 +14:00"),
            (-12_600, "2026-11-27 22:30 -03:30"),
            (-34_200, "2026-11-27 16:30 -09:30"),
            (-39_600, "2026-11-27 15:00 -11:00"),
            (561, "2026-11-28 02:09 +00:09"),  // Paris's local mean time, +00:09:21: the seconds are dropped
            (-2670, "2026-11-28 01:15 -00:44"),  // Monrovia's, -00:44:30
        ] as [(Int, String)]
    )
    func dateHourMinuteOffset(offset: Int, expected: String) {
        #expect(WallClockText.dateHourMinuteOffset(next, offset: offset) == expected)
    }

    @Test("years below 1000 have four digits; dates before 1970")
    func smallYears() {
        let day = CivilDate(year: 999, month: 3, day: 7)
        #expect(WallClockText.date(day) == "0999-03-07")
        #expect(WallClockText.date(CivilDate(year: 1, month: 1, day: 1)) == "0001-01-01")
        let seconds = Int64(day.dayNumber) * 86_400 + 3600 * 23 + 60 * 59
        #expect(WallClockText.dateHourMinuteOffset(seconds, offset: 60) == "0999-03-08 00:00 +00:01")
        #expect(WallClockText.dateHourMinuteOffset(-60, offset: 0) == "1969-12-31 23:59 +00:00")
    }

    @Test("zero padding counts the sign, as printf's %0*ld")
    func padding() {
        #expect(zeroPadded(5, 2) == "05")
        #expect(zeroPadded(123, 2) == "123")
        #expect(zeroPadded(Int64(42), 6) == "000042")
        #expect(zeroPadded(-5, 4) == "-005")
        #expect(zeroPadded(0, 0) == "0")
        #expect(zeroPadded(Int64.min, 2) == "-9223372036854775808")
    }

    @Test("ISO 8601 in UTC with milliseconds, the text of ISO8601FormatStyle")
    func iso8601UTC() {
        #expect(WallClockText.iso8601UTC(millisecondsSince1970: next * 1000 + 250) == "2026-11-28T02:00:00.250Z")
        #expect(WallClockText.iso8601UTC(millisecondsSince1970: -1) == "1969-12-31T23:59:59.999Z")
        #expect(WallClockText.iso8601UTC(millisecondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        var generator = SplitMix64(seed: 0x150)
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var mismatches: [String] = []
        for _ in 0..<5000 {
            // 1583-01-01 .. 9999-12-31, whole milliseconds (the style's calendar is the Julian one before
            // 1582-10-15; log lines are not written then).
            let milliseconds = Int64.random(in: -12_212_553_600_000...253_402_300_799_999, using: &generator)
            // Inside the millisecond, away from its edges, which a Double need not hit exactly.
            let expected = style.format(Date(timeIntervalSince1970: (Double(milliseconds) + 0.4) / 1000))
            let got = WallClockText.iso8601UTC(millisecondsSince1970: milliseconds)
            if got != expected { mismatches.append("\(milliseconds): \(got) != \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }

    /// The text a `DateFormatter` in the POSIX locale gives, for the offset `TimeZone` gives: zones with
    /// DST, half and quarter hours, negative offsets, historic local mean times, from 1600 to 9999.
    @Test("the same text as DateFormatter for real zones and dates")
    func sameAsDateFormatter() throws {
        let zones = [
            "UTC", "Europe/Paris", "Europe/London", "America/New_York", "America/St_Johns", "Asia/Kathmandu",
            "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Marquesas",
            "Pacific/Pago_Pago", "America/Sao_Paulo", "Africa/Monrovia", "Europe/Amsterdam", "Asia/Tehran",
            "Europe/Dublin", "America/Caracas",
        ]
        var generator = SplitMix64(seed: 0x5eed)
        var mismatches: [String] = []
        for name in zones {
            let zone = try #require(TimeZone(identifier: name))
            let long = DateFormatter.fixed("yyyy-MM-dd HH:mm xxx", in: zone)
            let short = DateFormatter.fixed("HH:mm", in: zone)
            // 1600-01-01 .. 9999-12-31, denser around now and around historic offset changes.
            let ranges: [ClosedRange<Int64>] = [
                -11_676_096_000...253_402_300_799, -2_208_988_800...0, 1_700_000_000...2_100_000_000,
            ]
            for range in ranges {
                for _ in 0..<2000 {
                    let seconds = Int64.random(in: range, using: &generator)
                    let fraction = Double(Int.random(in: 0..<1000, using: &generator)) / 1000
                    let date = Date(timeIntervalSince1970: Double(seconds) + fraction)
                    let offset = zone.secondsFromGMT(for: date)
                    let expected = (long.string(from: date), short.string(from: date))
                    let got = (
                        WallClockText.dateHourMinuteOffset(seconds, offset: offset),
                        WallClockText.hourMinute(seconds, offset: offset)
                    )
                    if got != expected { mismatches.append("\(name) \(seconds): \(got) != \(expected)") }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }
}
