import Foundation
import Testing

@testable import PartmandCore

/// The slot holding `date` as a range.
private func slotRange(_ calendar: PartitionCalendar, _ date: Date) -> PartitionRange {
    calendar.range(ofSlot: calendar.slot(containing: date))
}

@Suite("PartitionCalendar: calendar units in UTC")
struct CalendarUnitTests {
    @Test("month ends: Jan 31 lies in the January slot, the next slot starts on Feb 1")
    func monthEnds() {
        let monthly = calendar("1 month")
        #expect(slotRange(monthly, instant(2027, 1, 31, 12)) == range(instant(2027, 1, 1), instant(2027, 2, 1)))
        let january = monthly.slot(containing: instant(2027, 1, 31, 23, 59, 59))
        #expect(monthly.slot(containing: instant(2027, 2, 1)) == january + 1)
        #expect(monthly.boundary(ofSlot: january + 1) == instant(2027, 2, 1))
        #expect(monthly.boundary(ofSlot: january + 2) == instant(2027, 3, 1))
        // 30-day months and December end where they should.
        #expect(slotRange(monthly, instant(2026, 4, 30, 23)) == range(instant(2026, 4, 1), instant(2026, 5, 1)))
        #expect(slotRange(monthly, instant(2026, 12, 31, 23)) == range(instant(2026, 12, 1), instant(2027, 1, 1)))
    }

    @Test("leap years: Feb 29 2028 lies in a 29-day February slot and has its own daily slot")
    func leapYears() {
        let monthly = calendar("1 month")
        let february = slotRange(monthly, instant(2028, 2, 29, 12))
        #expect(february == range(instant(2028, 2, 1), instant(2028, 3, 1)))
        #expect(iso("2028-03-01T00:00:00Z").timeIntervalSince(iso("2028-02-01T00:00:00Z")) == 29 * 86_400)
        #expect(slotRange(monthly, instant(2027, 2, 28, 23)) == range(instant(2027, 2, 1), instant(2027, 3, 1)))

        let daily = calendar("1 day")
        #expect(slotRange(daily, instant(2028, 2, 29, 23, 59, 59)) == range(instant(2028, 2, 29), instant(2028, 3, 1)))
        let feb28 = daily.slot(containing: instant(2028, 2, 28))
        #expect(daily.slot(containing: instant(2028, 3, 1)) == feb28 + 2)
        // 2100 is not a leap year.
        #expect(slotRange(monthly, instant(2100, 2, 28)) == range(instant(2100, 2, 1), instant(2100, 3, 1)))
    }

    @Test("weeks start on ISO Monday; a Sunday belongs to the week of the previous Monday")
    func weekStarts() {
        let weekly = calendar("1 week")
        // 2026-11-29 is a Sunday, 2026-11-23 and 2026-11-30 are Mondays.
        #expect(
            slotRange(weekly, instant(2026, 11, 29, 23, 59, 59)) == range(instant(2026, 11, 23), instant(2026, 11, 30)))
        #expect(slotRange(weekly, instant(2026, 11, 30)) == range(instant(2026, 11, 30), instant(2026, 12, 7)))
        #expect(slotRange(weekly, instant(2026, 11, 26, 2)) == range(instant(2026, 11, 23), instant(2026, 11, 30)))
        #expect(weekly.boundary(ofSlot: 0) == instant(1970, 1, 5))

        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = foundationZone("UTC")
        for slot in stride(from: -3000, through: 3000, by: 97) {
            #expect(gregorian.component(.weekday, from: weekly.boundary(ofSlot: slot)) == 2, "slot \(slot)")
        }
    }

    @Test("two-week slots are aligned to Monday 1970-01-05")
    func twoWeekAlignment() {
        let fortnightly = calendar("2 weeks")
        #expect(fortnightly.boundary(ofSlot: 0) == instant(1970, 1, 5))
        #expect(fortnightly.boundary(ofSlot: -1) == instant(1969, 12, 22))
        // 2026-11-23 is 20780 days after the epoch: (20780 - 4) is a multiple of 14.
        let expected = range(instant(2026, 11, 23), instant(2026, 12, 7))
        #expect(slotRange(fortnightly, instant(2026, 11, 26, 2)) == expected)
        #expect(slotRange(fortnightly, instant(2026, 11, 30)) == expected)  // a Monday in mid-slot
        #expect(slotRange(fortnightly, instant(2026, 12, 6, 23, 59, 59)) == expected)
        #expect(slotRange(fortnightly, instant(2026, 12, 7)).lower == .value(instant(2026, 12, 7)))
    }

    @Test("quarters start in January, April, July and October")
    func quarterStarts() {
        let quarterly = calendar("quarterly")
        #expect(slotRange(quarterly, instant(2026, 11, 26, 2)) == range(instant(2026, 10, 1), instant(2027, 1, 1)))
        #expect(
            slotRange(quarterly, instant(2027, 3, 31, 23, 59, 59)) == range(instant(2027, 1, 1), instant(2027, 4, 1)))
        #expect(slotRange(quarterly, instant(2027, 4, 1)) == range(instant(2027, 4, 1), instant(2027, 7, 1)))
        #expect(slotRange(quarterly, instant(2027, 8, 15)) == range(instant(2027, 7, 1), instant(2027, 10, 1)))
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = foundationZone("UTC")
        for slot in 8000..<8200 {
            let start = gregorian.dateComponents([.month, .day, .hour], from: quarterly.boundary(ofSlot: slot))
            #expect([1, 4, 7, 10].contains(start.month!) && start.day == 1 && start.hour == 0, "slot \(slot)")
        }
    }

    @Test("years start on January 1; multi-year slots are counted from year 0")
    func yearly() {
        let yearly = calendar("yearly")
        #expect(slotRange(yearly, instant(2026, 11, 26)) == range(instant(2026, 1, 1), instant(2027, 1, 1)))
        #expect(slotRange(yearly, instant(2026, 12, 31, 23, 59, 59)).upper == .value(instant(2027, 1, 1)))
        #expect(yearly.slot(containing: instant(2026, 1, 1)) == 2026)
        let biennial = calendar("2 years")
        #expect(slotRange(biennial, instant(2027, 6, 1)) == range(instant(2026, 1, 1), instant(2028, 1, 1)))
        #expect(slotRange(biennial, instant(2028, 1, 1)) == range(instant(2028, 1, 1), instant(2030, 1, 1)))
    }

    @Test("N-day slots are counted from 1970-01-01")
    func nDayAlignment() {
        let threeDays = calendar("3 days")
        #expect(threeDays.boundary(ofSlot: 0) == instant(1970, 1, 1))
        #expect(threeDays.boundary(ofSlot: -1) == instant(1969, 12, 29))
        // 2026-11-26 is day 20783 = 3 * 6927 + 2, so its slot starts on day 20781 (2026-11-24).
        #expect(slotRange(threeDays, instant(2026, 11, 26, 2)) == range(instant(2026, 11, 24), instant(2026, 11, 27)))
        #expect(threeDays.slot(containing: instant(2026, 11, 24)) == 6927)
        #expect(threeDays.slot(containing: instant(2026, 11, 23, 23, 59, 59)) == 6926)
    }

    @Test("minutes and hours are fixed lengths aligned to the epoch")
    func fixedLengths() {
        let quarterHour = calendar("15 minutes")
        #expect(
            slotRange(quarterHour, iso("2026-11-26T10:37:12Z"))
                == range(iso("2026-11-26T10:30:00Z"), iso("2026-11-26T10:45:00Z")))
        let sevenMinutes = calendar("7 minutes")
        let third = calendar("3 hours")
        for slot in [-5, 0, 1, 4_000_000] {
            #expect(sevenMinutes.boundary(ofSlot: slot).timeIntervalSince1970 == Double(slot * 420))
            #expect(third.boundary(ofSlot: slot).timeIntervalSince1970 == Double(slot * 10_800))
        }
        #expect(
            third.slot(containing: iso("2026-11-26T02:59:59Z")) == third.slot(containing: iso("2026-11-26T00:00:00Z")))
        #expect(
            third.boundary(ofSlot: third.slot(containing: iso("2026-11-26T04:00:00Z"))) == iso("2026-11-26T03:00:00Z"))
        // Before the epoch, slots still round down.
        #expect(quarterHour.slot(containing: Date(timeIntervalSince1970: -1)) == -1)
        #expect(quarterHour.slot(containing: Date(timeIntervalSince1970: -0.5)) == -1)
    }

    @Test("the wall clock is read in the calendar's zone")
    func wallClock() {
        let parts = calendar("1 day", "Asia/Kolkata").wallClock(of: iso("2026-11-26T20:00:00Z"))
        #expect(
            [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second] == [2026, 11, 27, 1, 30, 0])
    }
}

@Suite("PartitionCalendar: time zones and DST")
struct CalendarTimeZoneTests {
    @Test("Europe/Paris monthly boundaries are local midnights across DST")
    func parisMonthly() {
        let monthly = calendar("1 month", "Europe/Paris")
        let march = monthly.slot(containing: iso("2027-03-15T12:00:00Z"))
        #expect(monthly.boundary(ofSlot: march) == iso("2027-02-28T23:00:00Z"))  // CET, UTC+1
        #expect(monthly.boundary(ofSlot: march + 1) == iso("2027-03-31T22:00:00Z"))  // CEST, UTC+2
        #expect(monthly.slot(containing: iso("2027-03-31T21:59:59Z")) == march)
        #expect(monthly.slot(containing: iso("2027-03-31T22:00:00Z")) == march + 1)
        #expect(monthly.slot(containing: iso("2027-02-28T22:59:59Z")) == march - 1)
        #expect(monthly.slot(containing: iso("2027-02-28T23:00:00Z")) == march)
        // March 2027 loses the hour of the switch to summer time.
        let length = monthly.boundary(ofSlot: march + 1).timeIntervalSince(monthly.boundary(ofSlot: march))
        #expect(length == 31 * 86_400 - 3_600)
        // November 2026 starts in winter time.
        #expect(monthly.boundary(ofSlot: monthly.slot(containing: referenceNow)) == iso("2026-10-31T23:00:00Z"))
    }

    @Test("America/New_York monthly boundaries follow EDT and EST")
    func newYorkMonthly() {
        let monthly = calendar("1 month", "America/New_York")
        let november = monthly.slot(containing: iso("2026-11-15T12:00:00Z"))
        #expect(monthly.boundary(ofSlot: november) == iso("2026-11-01T04:00:00Z"))  // EDT, UTC-4
        #expect(monthly.boundary(ofSlot: november + 1) == iso("2026-12-01T05:00:00Z"))  // EST, UTC-5
        #expect(monthly.slot(containing: iso("2026-11-01T03:59:59Z")) == november - 1)
        #expect(monthly.slot(containing: iso("2026-11-01T04:00:00Z")) == november)
        #expect(monthly.slot(containing: iso("2026-12-01T04:59:59Z")) == november)
        #expect(monthly.slot(containing: iso("2026-12-01T05:00:00Z")) == november + 1)
        let length = monthly.boundary(ofSlot: november + 1).timeIntervalSince(monthly.boundary(ofSlot: november))
        #expect(length == 30 * 86_400 + 3_600)
    }

    @Test("daily slots on Paris DST-change days are 23 h and 25 h long")
    func parisDaily() {
        let daily = calendar("1 day", "Europe/Paris")
        // 2027-03-28: clocks go from 02:00 CET to 03:00 CEST.
        let spring = slotRange(daily, iso("2027-03-28T12:00:00Z"))
        #expect(spring == range(iso("2027-03-27T23:00:00Z"), iso("2027-03-28T22:00:00Z")))
        #expect(spring.upper.date!.timeIntervalSince(spring.lower.date!) == 23 * 3_600)
        // 2026-10-25: clocks go from 03:00 CEST back to 02:00 CET.
        let autumn = slotRange(daily, iso("2026-10-25T12:00:00Z"))
        #expect(autumn == range(iso("2026-10-24T22:00:00Z"), iso("2026-10-25T23:00:00Z")))
        #expect(autumn.upper.date!.timeIntervalSince(autumn.lower.date!) == 25 * 3_600)
        // The instant just before a boundary stays in the earlier day.
        #expect(
            daily.slot(containing: iso("2027-03-28T21:59:59Z")) == daily.slot(containing: iso("2027-03-28T00:00:00Z")))
        #expect(
            daily.slot(containing: iso("2027-03-28T22:00:00Z")) == daily.slot(containing: iso("2027-03-28T00:00:00Z"))
                + 1)
    }

    @Test("weekly slots in a zone start at local Monday midnight")
    func weeklyInZone() {
        let weekly = calendar("1 week", "America/New_York")
        // Sunday 2026-11-29 23:30 in New York is Monday 04:30 UTC, still the week of Monday 2026-11-23.
        #expect(
            slotRange(weekly, iso("2026-11-30T04:30:00Z"))
                == range(iso("2026-11-23T05:00:00Z"), iso("2026-11-30T05:00:00Z")))
    }

    @Test("hourly slots stay 3600 s long across DST in Europe/Paris")
    func hourlyAcrossDST() {
        let hourly = calendar("hourly", "Europe/Paris")
        for day in [iso("2027-03-27T12:00:00Z"), iso("2026-10-24T12:00:00Z")] {
            let first = hourly.slot(containing: day)
            #expect(hourly.boundary(ofSlot: first).timeIntervalSince1970.truncatingRemainder(dividingBy: 3_600) == 0)
            for slot in first..<(first + 48) {
                let length = hourly.boundary(ofSlot: slot + 1).timeIntervalSince(hourly.boundary(ofSlot: slot))
                #expect(length == 3_600)
            }
        }
    }

    @Test("Asia/Kolkata (UTC+5:30) monthly boundaries")
    func kolkata() {
        let monthly = calendar("1 month", "Asia/Kolkata")
        #expect(slotRange(monthly, iso("2026-11-30T18:29:59Z")).lower == .value(iso("2026-10-31T18:30:00Z")))
        #expect(slotRange(monthly, iso("2026-11-30T18:30:00Z")).lower == .value(iso("2026-11-30T18:30:00Z")))
    }

    @Test(
        "slots and boundaries agree in every zone and unit",
        arguments: ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
    func slotBoundaryRoundTrip(zoneName: String) {
        let intervals = [
            "15 minutes", "hourly", "daily", "3 days", "weekly", "2 weeks", "monthly", "quarterly", "yearly",
        ]
        for text in intervals {
            let cal = calendar(text, zoneName)
            let first = cal.slot(containing: iso("2026-01-01T00:00:00Z"))
            let count = cal.interval.isSubDay ? 200 : 120
            for slot in first..<(first + count) {
                let start = cal.boundary(ofSlot: slot)
                let end = cal.boundary(ofSlot: slot + 1)
                #expect(start < end, "\(text) \(zoneName) slot \(slot)")
                #expect(cal.slot(containing: start) == slot, "\(text) \(zoneName) slot \(slot)")
                #expect(cal.slot(containing: end.addingTimeInterval(-1)) == slot, "\(text) \(zoneName) slot \(slot)")
                if !cal.interval.isSubDay {
                    let wall = cal.wallClock(of: start)
                    #expect(wall.hour == 0 && wall.minute == 0 && wall.second == 0, "\(text) \(zoneName) \(start)")
                }
            }
        }
    }
}

@Suite("PartitionCalendar.instant(_:minus:)")
struct InstantMinusTests {
    @Test("months clamp to the end of shorter months and keep the wall time")
    func months() {
        let utc = calendar("1 month")
        #expect(
            utc.instant(iso("2027-03-31T10:15:00Z"), minus: CalendarInterval(1, .month)) == iso("2027-02-28T10:15:00Z"))
        #expect(
            utc.instant(iso("2027-03-31T10:15:00Z"), minus: CalendarInterval(6, .month)) == iso("2026-09-30T10:15:00Z"))
        #expect(utc.instant(referenceNow, minus: CalendarInterval(6, .month)) == iso("2026-05-26T02:00:00Z"))
        #expect(
            utc.instant(iso("2028-03-31T00:00:00Z"), minus: CalendarInterval(1, .month)) == iso("2028-02-29T00:00:00Z"))
        #expect(
            utc.instant(iso("2028-02-29T12:00:00Z"), minus: CalendarInterval(1, .year)) == iso("2027-02-28T12:00:00Z"))
        #expect(
            utc.instant(iso("2027-01-15T00:00:00Z"), minus: CalendarInterval(2, .year)) == iso("2025-01-15T00:00:00Z"))
    }

    @Test("in Paris, 2027-03-31 minus 1 month is 2027-02-28 at the same wall time")
    func parisMonth() {
        let paris = calendar("1 month", "Europe/Paris")
        // 12:00 CEST on 2027-03-31 is 10:00Z; 12:00 CET on 2027-02-28 is 11:00Z.
        let result = paris.instant(iso("2027-03-31T10:00:00Z"), minus: CalendarInterval(1, .month))
        #expect(result == iso("2027-02-28T11:00:00Z"))
        let six = paris.instant(iso("2027-03-31T10:00:00Z"), minus: CalendarInterval(6, .month))
        #expect(six == iso("2026-09-30T10:00:00Z"))  // CEST again
    }

    @Test("days and weeks across DST keep the wall time")
    func daysAcrossDST() {
        let paris = calendar("1 day", "Europe/Paris")
        // 2027-03-29 12:00 CEST (10:00Z) minus 2 days is 2027-03-27 12:00 CET (11:00Z): 47 hours earlier.
        let twoDays = paris.instant(iso("2027-03-29T10:00:00Z"), minus: CalendarInterval(2, .day))
        #expect(twoDays == iso("2027-03-27T11:00:00Z"))
        #expect(iso("2027-03-29T10:00:00Z").timeIntervalSince(twoDays) == 47 * 3_600)
        let week = paris.instant(iso("2026-10-30T23:00:00Z"), minus: CalendarInterval(1, .week))
        #expect(week == iso("2026-10-23T22:00:00Z"))  // local midnight both times
        let utc = calendar("1 day")
        #expect(
            utc.instant(iso("2026-03-01T06:00:00Z"), minus: CalendarInterval(1, .day)) == iso("2026-02-28T06:00:00Z"))
    }

    @Test("minutes and hours are elapsed time, even across DST")
    func fixed() {
        let paris = calendar("1 day", "Europe/Paris")
        #expect(
            paris.instant(iso("2027-03-28T02:30:00Z"), minus: CalendarInterval(3, .hour)) == iso("2027-03-27T23:30:00Z")
        )
        #expect(
            paris.instant(iso("2027-03-28T02:30:00Z"), minus: CalendarInterval(90, .minute))
                == iso("2027-03-28T01:00:00Z"))
    }
}

@Suite("PartitionCalendar: UTC by arithmetic")
struct UTCArithmeticTests {
    /// UTC needs no file; a zone that is UTC under another name is read from the tz database. They must
    /// agree everywhere, before 1970 included.
    @Test(arguments: ["1 day", "3 days", "1 week", "2 weeks", "1 month", "3 months", "1 year"])
    func agreesWithFoundation(interval: String) throws {
        let parsed = try #require(CalendarInterval(parsing: interval))
        let arithmetic = PartitionCalendar(interval: parsed, timeZone: .utc)
        let foundation = PartitionCalendar(interval: parsed, timeZone: zone("Etc/GMT+0"))
        var generator = SplitMix64(seed: 1970)
        for _ in 0..<2000 {
            let instant = Date(timeIntervalSince1970: Double(Int64(generator.next() % 10_000_000_000) - 4_000_000_000))
            let slot = foundation.slot(containing: instant)
            #expect(arithmetic.slot(containing: instant) == slot, "\(instant)")
            #expect(arithmetic.boundary(ofSlot: slot) == foundation.boundary(ofSlot: slot), "slot \(slot)")
        }
    }
}

@Suite("PartitionCalendar: the same as Foundation's Calendar")
struct FoundationCalendarTests {
    /// Zones with DST changes at 02:00 and 03:00, at midnight (Sao Paulo, Santiago; Asia/Beirut at 00:00
    /// back to 23:00), half-hour DST (Lord Howe), whose rules ICU's copy of the tz database (which
    /// Foundation uses) and the system's agree on (see ZoneTests in PartmandTimeTests). Not Pacific/Apia: across its skipped
    /// 2011-12-30 Foundation moves back 14 × 24 hours for two weeks, one wall-clock day too far.
    static let zones = [
        "Europe/Paris", "America/New_York", "America/Sao_Paulo", "America/Santiago", "Asia/Beirut",
        "Australia/Lord_Howe", "Asia/Kolkata",
    ]

    @Test("local midnights, and dates moved back by days and months", arguments: zones)
    func sameAsCalendar(name: String) {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = foundationZone(name)
        let daily = calendar("1 day", name)
        var generator = SplitMix64(seed: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        var mismatches: [String] = []
        for _ in 0..<3000 {
            // 1971 .. 2099, on whole seconds.
            let instant = Date(timeIntervalSince1970: Double(Int64(generator.next() % 4_070_000_000) + 40_000_000))
            let slot = daily.slot(containing: instant)
            let start = gregorian.startOfDay(for: instant)
            if daily.boundary(ofSlot: slot) != start {
                mismatches.append("start of the day of \(instant): \(daily.boundary(ofSlot: slot)) != \(start)")
            }
            for (period, component, value) in [
                (CalendarInterval(1, .day), Calendar.Component.day, -1), (CalendarInterval(2, .week), .day, -14),
                (CalendarInterval(1, .month), .month, -1), (CalendarInterval(6, .month), .month, -6),
                (CalendarInterval(1, .year), .year, -1),
            ] {
                let expected = gregorian.date(byAdding: component, value: value, to: instant)!
                let got = daily.instant(instant, minus: period)
                if got != expected { mismatches.append("\(instant) minus \(period): \(got) != \(expected)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }
}
