import Testing

@testable import PartmandCore

@Suite("CalendarInterval parsing")
struct CalendarIntervalTests {
    @Test(
        "keywords",
        arguments: [
            ("hourly", 1, CalendarInterval.Unit.hour),
            ("daily", 1, .day),
            ("weekly", 1, .week),
            ("monthly", 1, .month),
            ("quarterly", 3, .month),
            ("yearly", 1, .year),
        ])
    func keyword(text: String, count: Int, unit: CalendarInterval.Unit) {
        #expect(CalendarInterval(parsing: text) == CalendarInterval(count, unit))
    }

    @Test(
        "count and unit, singular and plural",
        arguments: [
            ("1 minute", 1, CalendarInterval.Unit.minute),
            ("15 minutes", 15, .minute),
            ("1 hour", 1, .hour),
            ("6 hours", 6, .hour),
            ("1 day", 1, .day),
            ("3 days", 3, .day),
            ("1 week", 1, .week),
            ("2 weeks", 2, .week),
            ("1 month", 1, .month),
            ("3 months", 3, .month),
            ("1 year", 1, .year),
            ("2 years", 2, .year),
            // A plural after 1 and a singular after more are accepted as PostgreSQL's interval input does.
            ("1 months", 1, .month),
            ("2 day", 2, .day),
        ])
    func countAndUnit(text: String, count: Int, unit: CalendarInterval.Unit) {
        #expect(CalendarInterval(parsing: text) == CalendarInterval(count, unit))
    }

    @Test("case and surrounding whitespace do not matter")
    func caseAndWhitespace() {
        #expect(CalendarInterval(parsing: "Monthly") == CalendarInterval(1, .month))
        #expect(CalendarInterval(parsing: "  DAILY\n") == CalendarInterval(1, .day))
        #expect(CalendarInterval(parsing: " 2   Weeks ") == CalendarInterval(2, .week))
    }

    @Test(
        "garbage is rejected",
        arguments: [
            "0 days", "-1 month", "1 fortnight", "", "   ", "monthly please", "fortnightly", "1", "month",
            "months", "1.5 months", "one month", "1 month 2 days", "1 second", "10 seconds", "1 s", "1 monthss",
            "2 hourly", "0x10 days", "100001 days",
        ])
    func rejects(text: String) {
        #expect(CalendarInterval(parsing: text) == nil)
    }

    @Test("description is canonical and parses back", arguments: CalendarInterval.Unit.allCases)
    func descriptionRoundTrip(unit: CalendarInterval.Unit) {
        for count in [1, 2, 15] {
            let value = CalendarInterval(count, unit)
            #expect(CalendarInterval(parsing: value.description) == value)
        }
        #expect(CalendarInterval(1, unit).description == "1 \(unit.rawValue)")
        #expect(CalendarInterval(2, unit).description == "2 \(unit.rawValue)s")
    }

    @Test("quarterly is three months")
    func quarterly() {
        #expect(CalendarInterval(parsing: "quarterly")?.description == "3 months")
    }

    @Test("only minutes and hours are sub-day")
    func subDay() {
        #expect(CalendarInterval(15, .minute).isSubDay)
        #expect(CalendarInterval(1, .hour).isSubDay)
        #expect(CalendarInterval(25, .hour).isSubDay)
        for unit in [CalendarInterval.Unit.day, .week, .month, .year] {
            #expect(!CalendarInterval(1, unit).isSubDay)
        }
    }

    @Test("unit lengths")
    func lengths() {
        #expect(CalendarInterval(15, .minute).fixedSeconds == 900)
        #expect(CalendarInterval(2, .hour).fixedSeconds == 7200)
        #expect(CalendarInterval(1, .day).fixedSeconds == nil)
        #expect(CalendarInterval(3, .month).months == 3)
        #expect(CalendarInterval(2, .year).months == 24)
        #expect(CalendarInterval(1, .week).months == nil)
        #expect(CalendarInterval(2, .week).days == 14)
        #expect(CalendarInterval(3, .day).days == 3)
        #expect(CalendarInterval(1, .month).days == nil)
    }

    @Test(
        "isShorter: shorter however the calendar falls",
        arguments: [
            ("2 weeks", "monthly", true),
            ("27 days", "monthly", true),
            ("28 days", "monthly", false),
            ("4 weeks", "monthly", false),
            ("30 days", "monthly", false),
            ("1 month", "monthly", false),
            ("6 months", "monthly", false),
            ("2 months", "quarterly", true),
            ("10 months", "11 months", true),
            ("11 months", "yearly", true),
            ("12 months", "yearly", false),
            ("364 days", "yearly", true),
            ("365 days", "yearly", false),
            ("23 hours", "daily", true),
            ("24 hours", "daily", false),
            ("1 day", "24 hours", false),
            ("6 days", "weekly", true),
            ("1 week", "7 days", false),
            ("30 minutes", "hourly", true),
            ("1 year", "monthly", false),
        ])
    func isShorter(retention: String, interval: String, expected: Bool) throws {
        let a = try #require(CalendarInterval(parsing: retention))
        let b = try #require(CalendarInterval(parsing: interval))
        #expect(a.isShorter(than: b) == expected)
    }
}
