import Foundation
import PartmandTime
import Testing

@testable import PartmandCore

// MARK: - Helpers

private func time(_ text: String) -> TimeOfDay {
    guard let time = TimeOfDay(parsing: text) else { fatalError("invalid time of day \(text)") }
    return time
}

/// Parses an ISO-8601 UTC instant, with or without fractional seconds.
private func utc(_ text: String) -> Date {
    guard text.contains(".") else { return iso(text) }
    do {
        return try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    } catch {
        fatalError("not an ISO-8601 instant: \(text)")
    }
}

private func daily(_ times: [String], _ timeZone: String) -> Schedule {
    Schedule(cadence: .daily(times.map(time)), timeZone: zone(timeZone))
}

private func every(_ period: Duration, _ timeZone: String = "UTC") -> Schedule {
    Schedule(cadence: .every(period), timeZone: zone(timeZone))
}

/// One `nextRun(after:)` expectation; instants are ISO-8601 UTC.
struct NextRunCase: Sendable, CustomTestStringConvertible {
    var zone: String
    var times: [String]
    var after: String
    var expected: String
    var note: String

    init(_ zone: String, _ times: [String], after: String, _ expected: String, _ note: String) {
        self.zone = zone
        self.times = times
        self.after = after
        self.expected = expected
        self.note = note
    }

    var testDescription: String { "\(zone) \(times) after \(after): \(note)" }
}

// MARK: - The zone data

@Suite("Schedule: the DST changes the tests rely on, as the zone data has them")
struct ScheduleZoneDataTests {
    struct Change: Sendable, CustomTestStringConvertible {
        var zone: String
        var after: String
        /// The instant of the change and the UTC offsets (seconds) before and after it.
        var at: String
        var from: Int
        var to: Int
        var testDescription: String { "\(zone) \(at)" }
    }

    static let changes: [Change] = [
        // Paris 2027-03-28 02:00 CET -> 03:00 CEST; 2027-10-31 03:00 CEST -> 02:00 CET.
        Change(zone: "Europe/Paris", after: "2027-01-01T00:00:00Z", at: "2027-03-28T01:00:00Z", from: 3600, to: 7200),
        Change(zone: "Europe/Paris", after: "2027-04-01T00:00:00Z", at: "2027-10-31T01:00:00Z", from: 7200, to: 3600),
        // New York 2027-03-14 02:00 EST -> 03:00 EDT; 2027-11-07 02:00 EDT -> 01:00 EST.
        Change(
            zone: "America/New_York", after: "2027-01-01T00:00:00Z", at: "2027-03-14T07:00:00Z", from: -18000,
            to: -14400),
        Change(
            zone: "America/New_York", after: "2027-04-01T00:00:00Z", at: "2027-11-07T06:00:00Z", from: -14400,
            to: -18000),
        // Lord Howe 2027-04-04 02:00 +11 -> 01:30 +10:30; 2027-10-03 02:00 +10:30 -> 02:30 +11.
        Change(
            zone: "Australia/Lord_Howe", after: "2027-01-01T00:00:00Z", at: "2027-04-03T15:00:00Z", from: 39600,
            to: 37800),
        Change(
            zone: "Australia/Lord_Howe", after: "2027-05-01T00:00:00Z", at: "2027-10-02T15:30:00Z", from: 37800,
            to: 39600),
        // Chatham 2027-04-04 03:45 +13:45 -> 02:45 +12:45; 2027-09-26 02:45 +12:45 -> 03:45 +13:45.
        Change(
            zone: "Pacific/Chatham", after: "2027-01-01T00:00:00Z", at: "2027-04-03T14:00:00Z", from: 49500,
            to: 45900),
        Change(
            zone: "Pacific/Chatham", after: "2027-05-01T00:00:00Z", at: "2027-09-25T14:00:00Z", from: 45900,
            to: 49500),
        // São Paulo, DST at midnight: 2018-11-04 00:00 -03 -> 01:00 -02; 2019-02-17 00:00 -02 -> 2019-02-16 23:00 -03.
        Change(
            zone: "America/Sao_Paulo", after: "2018-07-01T00:00:00Z", at: "2018-11-04T03:00:00Z", from: -10800,
            to: -7200),
        Change(
            zone: "America/Sao_Paulo", after: "2018-12-01T00:00:00Z", at: "2019-02-17T02:00:00Z", from: -7200,
            to: -10800),
        // Apia skipped 2011-12-30 entirely: 2011-12-29 24:00 -10 -> 2011-12-31 00:00 +14.
        Change(
            zone: "Pacific/Apia", after: "2011-10-01T00:00:00Z", at: "2011-12-30T10:00:00Z", from: -36000,
            to: 50400),
    ]

    @Test("the next offset change after a date", arguments: changes)
    func change(_ change: Change) {
        let timeZone = zone(change.zone)
        let at = timeZone.nextTransition(after: utc(change.after))
        #expect(at == utc(change.at))
        #expect(timeZone.secondsFromGMT(for: utc(change.at).addingTimeInterval(-1)) == change.from)
        #expect(timeZone.secondsFromGMT(for: utc(change.at)) == change.to)
    }

    @Test("UTC and Asia/Kolkata have no changes")
    func noChanges() {
        #expect(utcZone.nextTransition(after: utc("2027-01-01T00:00:00Z")) == nil)
        #expect(zone("Asia/Kolkata").nextTransition(after: utc("2027-01-01T00:00:00Z")) == nil)
    }
}

// MARK: - Daily, ordinary days

@Suite("Schedule.daily: ordinary days, month and year ends")
struct ScheduleDailyTests {
    static let cases: [NextRunCase] = [
        NextRunCase("UTC", ["02:00"], after: "2027-06-01T01:59:59Z", "2027-06-01T02:00:00Z", "same day"),
        NextRunCase("UTC", ["02:00"], after: "2027-06-01T02:00:00Z", "2027-06-02T02:00:00Z", "strictly after"),
        NextRunCase("UTC", ["02:00"], after: "2027-06-01T02:00:00.001Z", "2027-06-02T02:00:00Z", "just after"),
        NextRunCase("UTC", ["02:00"], after: "2027-06-01T01:59:59.999Z", "2027-06-01T02:00:00Z", "just before"),
        NextRunCase(
            "UTC", ["06:00", "12:00", "18:00"], after: "2027-06-01T12:00:00Z", "2027-06-01T18:00:00Z", "later today"),
        NextRunCase(
            "UTC", ["06:00", "12:00", "18:00"], after: "2027-06-01T18:00:00Z", "2027-06-02T06:00:00Z", "tomorrow"),
        NextRunCase(
            "UTC", ["00:00", "23:59"], after: "2026-12-31T23:58:00Z", "2026-12-31T23:59:00Z", "last minute of a year"),
        NextRunCase(
            "UTC", ["00:00", "23:59"], after: "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z", "Dec 31 -> Jan 1"),
        NextRunCase("UTC", ["00:00", "23:59"], after: "2027-01-01T00:00:00Z", "2027-01-01T23:59:00Z", "new year"),
        NextRunCase(
            "UTC", ["00:00", "23:59"], after: "2027-02-28T23:59:00Z", "2027-03-01T00:00:00Z", "Feb 28 -> Mar 1"),
        NextRunCase("UTC", ["00:00"], after: "2028-02-28T00:00:00Z", "2028-02-29T00:00:00Z", "leap day"),
        NextRunCase("UTC", ["00:00"], after: "2027-04-30T12:00:00Z", "2027-05-01T00:00:00Z", "Apr 30 -> May 1"),
        NextRunCase(
            "Europe/Paris", ["00:00", "23:59"], after: "2026-12-31T22:58:00Z", "2026-12-31T22:59:00Z",
            "23:59 CET on Dec 31"),
        NextRunCase(
            "Europe/Paris", ["00:00", "23:59"], after: "2026-12-31T22:59:00Z", "2026-12-31T23:00:00Z",
            "00:00 CET on Jan 1"),
        NextRunCase(
            "Europe/Paris", ["02:00"], after: "2027-01-15T00:00:00Z", "2027-01-15T01:00:00Z", "02:00 CET in winter"),
        NextRunCase(
            "Europe/Paris", ["02:00"], after: "2027-07-15T00:00:00Z", "2027-07-16T00:00:00Z",
            "02:00 CEST is 00:00Z: strictly after it"),
        NextRunCase(
            "America/New_York", ["00:00"], after: "2027-01-01T04:59:59.999Z", "2027-01-01T05:00:00Z",
            "midnight EST"),
        NextRunCase(
            "America/New_York", ["00:00"], after: "2027-01-01T05:00:00Z", "2027-01-02T05:00:00Z", "strictly after"),
        NextRunCase(
            "America/New_York", ["23:59"], after: "2027-12-31T12:00:00Z", "2028-01-01T04:59:00Z",
            "local Dec 31 is UTC Jan 1"),
        NextRunCase(
            "Australia/Lord_Howe", ["00:00"], after: "2027-12-31T12:00:00Z", "2027-12-31T13:00:00Z",
            "local Jan 1 is UTC Dec 31"),
        NextRunCase(
            "Asia/Kolkata", ["00:00", "23:59"], after: "2027-12-31T18:28:00Z", "2027-12-31T18:29:00Z",
            "half-hour offset"),
        NextRunCase(
            "Asia/Kolkata", ["00:00", "23:59"], after: "2027-12-31T18:29:00Z", "2027-12-31T18:30:00Z",
            "half-hour offset, new year"),
    ]

    @Test("nextRun", arguments: cases)
    func nextRun(_ example: NextRunCase) {
        let schedule = daily(example.times, example.zone)
        #expect(schedule.nextRun(after: utc(example.after)) == utc(example.expected))
    }

    @Test("times are sorted and deduplicated")
    func normalised() {
        let schedule = daily(["23:59", "00:00", "23:59", "12:00"], "UTC")
        #expect(schedule.cadence == .daily([time("00:00"), time("12:00"), time("23:59")]))
        #expect(schedule == daily(["00:00", "12:00", "23:59"], "UTC"))
        #expect(
            schedule.runs(after: utc("2027-06-01T00:00:00Z"), count: 4) == [
                utc("2027-06-01T12:00:00Z"), utc("2027-06-01T23:59:00Z"), utc("2027-06-02T00:00:00Z"),
                utc("2027-06-02T12:00:00Z"),
            ])
    }

    @Test("runs(after:count:) with count 0 is empty and otherwise chains nextRun")
    func runsChain() {
        let schedule = daily(["00:00", "02:30", "23:59"], "Europe/Paris")
        #expect(schedule.runs(after: utc("2027-03-27T00:00:00Z"), count: 0).isEmpty)
        var last = utc("2027-03-20T00:00:00Z")
        let runs = schedule.runs(after: last, count: 100)
        for run in runs {
            #expect(run == schedule.nextRun(after: last))
            #expect(run > last)
            last = run
        }
    }
}

// MARK: - Daily, around DST changes

@Suite("Schedule.daily: DST gaps and overlaps")
struct ScheduleDSTTests {
    static let cases: [NextRunCase] = [
        // Europe/Paris 2027-03-28: 02:00 CET -> 03:00 CEST at 01:00Z; 02:00..<03:00 does not exist.
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-03-27T23:00:00Z", "2027-03-28T01:00:00Z", "gap time runs at 03:00"),
        NextRunCase(
            "Europe/Paris", ["02:00"], after: "2027-03-27T23:00:00Z", "2027-03-28T01:00:00Z", "gap start runs at 03:00"),
        NextRunCase("Europe/Paris", ["03:00"], after: "2027-03-27T23:00:00Z", "2027-03-28T01:00:00Z", "gap end"),
        NextRunCase("Europe/Paris", ["01:59"], after: "2027-03-27T23:00:00Z", "2027-03-28T00:59:00Z", "before gap"),
        NextRunCase("Europe/Paris", ["03:01"], after: "2027-03-27T23:00:00Z", "2027-03-28T01:01:00Z", "after gap"),
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z",
            "from the previous day's run (23.5 h)"),
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z",
            "after the gap run: next day, CEST"),
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-03-28T00:59:59Z", "2027-03-28T01:00:00Z", "just before the gap"),
        // Europe/Paris 2027-10-31: 03:00 CEST -> 02:00 CET at 01:00Z; 02:00..<03:00 happens twice.
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-10-30T22:00:00Z", "2027-10-31T00:30:00Z", "first occurrence"),
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-10-31T00:30:00Z", "2027-11-01T01:30:00Z",
            "not the second occurrence"),
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-10-31T01:15:00Z", "2027-11-01T01:30:00Z",
            "from the second pass of 02:15: tomorrow"),
        NextRunCase("Europe/Paris", ["02:00"], after: "2027-10-30T22:00:00Z", "2027-10-31T00:00:00Z", "02:00 CEST"),
        NextRunCase(
            "Europe/Paris", ["03:00"], after: "2027-10-30T22:00:00Z", "2027-10-31T02:00:00Z", "03:00 CET only"),
        NextRunCase("Europe/Paris", ["01:59"], after: "2027-10-30T22:00:00Z", "2027-10-30T23:59:00Z", "before"),
        NextRunCase(
            "Europe/Paris", ["02:30"], after: "2027-10-30T00:30:00Z", "2027-10-31T00:30:00Z",
            "from the previous day's run (24 h)"),
        // America/New_York 2027-03-14: 02:00 EST -> 03:00 EDT at 07:00Z.
        NextRunCase(
            "America/New_York", ["02:30"], after: "2027-03-14T05:00:00Z", "2027-03-14T07:00:00Z", "gap -> 03:00 EDT"),
        NextRunCase("America/New_York", ["01:59"], after: "2027-03-14T05:00:00Z", "2027-03-14T06:59:00Z", "before"),
        NextRunCase("America/New_York", ["03:00"], after: "2027-03-14T05:00:00Z", "2027-03-14T07:00:00Z", "gap end"),
        NextRunCase(
            "America/New_York", ["02:30"], after: "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z", "next day, EDT"),
        // America/New_York 2027-11-07: 02:00 EDT -> 01:00 EST at 06:00Z; 01:00..<02:00 happens twice.
        NextRunCase(
            "America/New_York", ["01:30"], after: "2027-11-07T04:00:00Z", "2027-11-07T05:30:00Z", "first occurrence"),
        NextRunCase(
            "America/New_York", ["01:30"], after: "2027-11-07T05:30:00Z", "2027-11-08T06:30:00Z",
            "not the second occurrence"),
        NextRunCase("America/New_York", ["01:00"], after: "2027-11-07T04:00:00Z", "2027-11-07T05:00:00Z", "01:00 EDT"),
        NextRunCase(
            "America/New_York", ["02:00"], after: "2027-11-07T04:00:00Z", "2027-11-07T07:00:00Z",
            "02:00 EST only"),
        // Australia/Lord_Howe 2027-04-04: 02:00 +11 -> 01:30 +10:30 at 2027-04-03T15:00Z; 01:30..<02:00 twice.
        NextRunCase(
            "Australia/Lord_Howe", ["01:45"], after: "2027-04-03T13:00:00Z", "2027-04-03T14:45:00Z",
            "first occurrence"),
        NextRunCase(
            "Australia/Lord_Howe", ["01:45"], after: "2027-04-03T14:45:00Z", "2027-04-04T15:15:00Z",
            "not the second occurrence"),
        NextRunCase("Australia/Lord_Howe", ["01:30"], after: "2027-04-03T13:00:00Z", "2027-04-03T14:30:00Z", "01:30"),
        NextRunCase(
            "Australia/Lord_Howe", ["02:00"], after: "2027-04-03T13:00:00Z", "2027-04-03T15:30:00Z",
            "02:00 +10:30 only"),
        // Australia/Lord_Howe 2027-10-03: 02:00 +10:30 -> 02:30 +11 at 2027-10-02T15:30Z; 02:00..<02:30 missing.
        NextRunCase(
            "Australia/Lord_Howe", ["02:15"], after: "2027-10-02T13:30:00Z", "2027-10-02T15:30:00Z",
            "gap -> 02:30"),
        NextRunCase("Australia/Lord_Howe", ["02:00"], after: "2027-10-02T13:30:00Z", "2027-10-02T15:30:00Z", "gap"),
        NextRunCase(
            "Australia/Lord_Howe", ["02:30"], after: "2027-10-02T13:30:00Z", "2027-10-02T15:30:00Z", "gap end"),
        NextRunCase("Australia/Lord_Howe", ["01:59"], after: "2027-10-02T13:30:00Z", "2027-10-02T15:29:00Z", "before"),
        NextRunCase("Australia/Lord_Howe", ["02:31"], after: "2027-10-02T13:30:00Z", "2027-10-02T15:31:00Z", "after"),
        NextRunCase(
            "Australia/Lord_Howe", ["02:15"], after: "2027-10-02T15:30:00Z", "2027-10-03T15:15:00Z", "next day, +11"),
        // America/Sao_Paulo 2018-11-04: midnight itself is skipped (00:00 -03 -> 01:00 -02 at 03:00Z).
        NextRunCase(
            "America/Sao_Paulo", ["00:00"], after: "2018-11-03T03:00:00Z", "2018-11-04T03:00:00Z",
            "00:00 in a gap runs at 01:00"),
        NextRunCase(
            "America/Sao_Paulo", ["23:59"], after: "2018-11-03T03:00:00Z", "2018-11-04T02:59:00Z", "23:59 before it"),
        // America/Sao_Paulo 2019-02-17: 00:00 -02 -> 2019-02-16 23:00 -03 at 02:00Z; 23:00..<24:00 twice.
        NextRunCase(
            "America/Sao_Paulo", ["23:30"], after: "2019-02-16T12:00:00Z", "2019-02-17T01:30:00Z",
            "first occurrence of 23:30"),
        NextRunCase(
            "America/Sao_Paulo", ["23:30"], after: "2019-02-17T01:30:00Z", "2019-02-18T02:30:00Z",
            "not the second occurrence"),
        NextRunCase(
            "America/Sao_Paulo", ["00:00"], after: "2019-02-16T12:00:00Z", "2019-02-17T03:00:00Z",
            "00:00 after the repeated hour"),
        NextRunCase(
            "America/Sao_Paulo", ["23:30"], after: "2019-02-17T02:10:00Z", "2019-02-18T02:30:00Z",
            "from the second pass of the repeated hour"),
        // Pacific/Apia skipped 2011-12-30.
        NextRunCase(
            "Pacific/Apia", ["12:00"], after: "2011-12-29T22:00:00Z", "2011-12-30T10:00:00Z",
            "a skipped date runs at the gap end"),
        NextRunCase(
            "Pacific/Apia", ["12:00"], after: "2011-12-30T10:00:00Z", "2011-12-30T22:00:00Z", "then 2011-12-31 12:00"),
    ]

    @Test("nextRun", arguments: cases)
    func nextRun(_ example: NextRunCase) {
        let schedule = daily(example.times, example.zone)
        #expect(schedule.nextRun(after: utc(example.after)) == utc(example.expected))
    }

    @Test("times that fall on the same instant are one run")
    func collapsed() {
        let paris = daily(["02:00", "02:30", "03:00"], "Europe/Paris")
        #expect(
            paris.runs(after: utc("2027-03-27T22:00:00Z"), count: 4) == [
                utc("2027-03-28T01:00:00Z"),
                utc("2027-03-29T00:00:00Z"), utc("2027-03-29T00:30:00Z"), utc("2027-03-29T01:00:00Z"),
            ])
        let lordHowe = daily(["02:00", "02:15", "02:30"], "Australia/Lord_Howe")
        #expect(
            lordHowe.runs(after: utc("2027-10-02T12:00:00Z"), count: 2) == [
                utc("2027-10-02T15:30:00Z"), utc("2027-10-03T15:00:00Z"),
            ])
        // Apia: every time of the skipped date, and 00:00 of the next one, are the same instant.
        let apia = daily(["00:00", "12:00"], "Pacific/Apia")
        #expect(
            apia.runs(after: utc("2011-12-29T12:00:00Z"), count: 3) == [
                utc("2011-12-29T22:00:00Z"), utc("2011-12-30T10:00:00Z"), utc("2011-12-30T22:00:00Z"),
            ])
    }

    @Test("several times across the New York fall-back")
    func newYorkFallBack() {
        let schedule = daily(["00:59", "01:00", "01:59", "02:00"], "America/New_York")
        #expect(
            schedule.runs(after: utc("2027-11-07T04:00:00Z"), count: 5) == [
                utc("2027-11-07T04:59:00Z"), utc("2027-11-07T05:00:00Z"), utc("2027-11-07T05:59:00Z"),
                utc("2027-11-07T07:00:00Z"), utc("2027-11-08T05:59:00Z"),
            ])
    }
}

// MARK: - Daily, a year in every zone

@Suite("Schedule.daily: a year of runs in every zone")
struct ScheduleYearTests {
    struct Year: Sendable, CustomTestStringConvertible {
        var zone: String
        /// The first local date of the 365.
        var year: Int
        var month: Int
        /// Local dates (yyyy-mm-dd) on which some configured time does not exist.
        var gapDates: [String]
        var testDescription: String { "\(zone) from \(year)-\(month)" }
    }

    static let years: [Year] = [
        Year(zone: "UTC", year: 2027, month: 1, gapDates: []),
        Year(zone: "Asia/Kolkata", year: 2027, month: 1, gapDates: []),
        Year(zone: "Europe/Paris", year: 2027, month: 1, gapDates: ["2027-03-28"]),
        Year(zone: "America/New_York", year: 2027, month: 1, gapDates: ["2027-03-14"]),
        Year(zone: "Australia/Lord_Howe", year: 2027, month: 1, gapDates: ["2027-10-03"]),
        Year(zone: "Pacific/Chatham", year: 2027, month: 1, gapDates: ["2027-09-26"]),
        Year(zone: "America/Sao_Paulo", year: 2018, month: 7, gapDates: ["2018-11-04"]),
        Year(zone: "Pacific/Apia", year: 2011, month: 7, gapDates: ["2011-09-24", "2011-12-30"]),
    ]

    /// Around midnight, in and around every DST change of the zones above, and midday.
    static let times = [
        "00:00", "00:30", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45", "03:00", "03:30", "12:00", "23:30",
        "23:59",
    ]

    /// A local date and time in seconds from 1970-01-01T00:00 local.
    struct Wall: Hashable, Comparable {
        var day: Int
        var second: Int
        var seconds: Int { day * 86_400 + second }
        static func < (lhs: Wall, rhs: Wall) -> Bool { lhs.seconds < rhs.seconds }
    }

    /// The wall clock of `date`, read back with Foundation's instant -> components direction.
    static func wall(_ date: Date, _ calendar: Calendar) -> Wall {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return Wall(
            day: CivilDate(year: parts.year!, month: parts.month!, day: parts.day!).dayNumber,
            second: parts.hour! * 3600 + parts.minute! * 60 + parts.second!)
    }

    /// The runs by definition, walking the clock minute by minute (every wall time and every offset change of
    /// these zones falls on a whole minute): a wall time runs at the first minute at which the clock reads it
    /// or later; wall times reached at the same minute are one run.
    static func oracle(_ timeZone: TimeZone, from start: Date, to end: Date, walls: [Int]) -> [Date] {
        var runs: [Date] = []
        var next = 0
        var minute = (start.timeIntervalSince1970 / 60).rounded(.down) * 60 - 2 * 86_400
        while minute < end.timeIntervalSince1970, next < walls.count {
            let instant = Date(timeIntervalSince1970: minute)
            let clock = Int(minute) + timeZone.secondsFromGMT(for: instant)
            var reached = false
            while next < walls.count, walls[next] <= clock {
                reached = true
                next += 1
            }
            if reached, instant > start, instant < end { runs.append(instant) }
            minute += 60
        }
        return runs
    }

    @Test("every configured time runs once a day; a time in a gap runs at the gap end; never twice", arguments: years)
    func year(_ year: Year) {
        let timeZone = foundationZone(year.zone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let schedule = daily(Self.times, year.zone)
        let firstDay = CivilDate(year: year.year, month: year.month, day: 1).dayNumber
        let lastDay = firstDay + 364
        // The first and the day after the last date are ordinary days: their midnights are plain to compute.
        let start = instant(year.year, year.month, 1, in: year.zone).addingTimeInterval(-1)
        let afterLast = CivilDate(dayNumber: lastDay + 1)
        let end = instant(afterLast.year, afterLast.month, afterLast.day, in: year.zone)

        let runs = schedule.runs(after: start, count: 365 * Self.times.count).filter { $0 < end }

        // Strictly ascending, so no duplicates.
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0 < $1 })
        #expect(runs.first.map { $0 > start } ?? false)

        // The same as the definition, computed the slow way.
        let configured = Self.times.map { time($0) }.map { $0.hour * 3600 + $0.minute * 60 }
        let walls = ((firstDay - 2)...(lastDay + 1)).flatMap { day in configured.map { day * 86_400 + $0 } }
        let expected = Self.oracle(timeZone, from: start, to: end, walls: walls)
        #expect(runs.count == expected.count)
        if let index = runs.indices.first(where: { $0 < expected.count && runs[$0] != expected[$0] }) {
            Issue.record("run \(index) is \(runs[index]), by definition \(expected[index])")
        }

        // Read every run back on the wall clock.
        var shown: [Wall: Int] = [:]
        var gapEnds: [(before: Wall, at: Wall)] = []
        for run in runs {
            let at = Self.wall(run, calendar)
            let before = Self.wall(run.addingTimeInterval(-1), calendar)
            if configured.contains(at.second) {
                shown[at, default: 0] += 1
            }
            if at.seconds - before.seconds > 1 {
                gapEnds.append((before, at))  // the clock jumped forward at this run
            } else {
                #expect(configured.contains(at.second), "\(run) shows no configured time")
            }
        }
        var gapDates: Set<String> = []
        for day in firstDay...lastDay {
            for second in configured {
                let wall = Wall(day: day, second: second)
                let count = shown[wall, default: 0]
                #expect(count <= 1, "\(CivilDate(dayNumber: day)) \(second)s ran \(count) times")
                if count == 0 {
                    let skipped = gapEnds.contains { $0.before < wall && wall < $0.at }
                    #expect(skipped, "\(CivilDate(dayNumber: day)) \(second)s neither ran nor was skipped by a gap")
                    let date = CivilDate(dayNumber: day)
                    gapDates.insert(
                        "\(date.year)-\(date.month < 10 ? "0" : "")\(date.month)-\(date.day < 10 ? "0" : "")\(date.day)"
                    )
                }
            }
        }
        #expect(gapDates == Set(year.gapDates))
    }
}

// MARK: - Every

@Suite("Schedule.every: fixed periods aligned to the Unix epoch")
struct ScheduleEveryTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var period: Duration
        var after: String
        var expected: String
        var testDescription: String { "every \(period) after \(after)" }
    }

    static let cases: [Case] = [
        Case(period: .seconds(900), after: "2027-03-28T00:07:00Z", expected: "2027-03-28T00:15:00Z"),
        Case(period: .seconds(900), after: "2027-03-28T00:15:00Z", expected: "2027-03-28T00:30:00Z"),
        Case(period: .seconds(900), after: "2027-03-28T00:14:59.999Z", expected: "2027-03-28T00:15:00Z"),
        Case(period: .seconds(900), after: "2027-03-28T00:15:00.001Z", expected: "2027-03-28T00:30:00Z"),
        Case(period: .seconds(900), after: "2027-12-31T23:45:00Z", expected: "2028-01-01T00:00:00Z"),
        Case(period: .seconds(900), after: "1969-12-31T23:50:00Z", expected: "1970-01-01T00:00:00Z"),
        Case(period: .seconds(3600), after: "2027-06-01T10:00:00Z", expected: "2027-06-01T11:00:00Z"),
        Case(period: .seconds(3600), after: "2027-06-01T10:59:59Z", expected: "2027-06-01T11:00:00Z"),
        Case(period: .seconds(6 * 3600), after: "2027-01-01T05:00:00Z", expected: "2027-01-01T06:00:00Z"),
        Case(period: .seconds(6 * 3600), after: "2027-01-01T18:00:00Z", expected: "2027-01-02T00:00:00Z"),
        Case(period: .seconds(6 * 3600), after: "2026-12-31T23:59:59Z", expected: "2027-01-01T00:00:00Z"),
        Case(period: .seconds(86_400), after: "2027-03-28T00:00:00Z", expected: "2027-03-29T00:00:00Z"),
        Case(period: .seconds(86_400), after: "2027-02-28T13:00:00Z", expected: "2027-03-01T00:00:00Z"),
        Case(period: .seconds(86_400), after: "2028-02-28T23:59:59.5Z", expected: "2028-02-29T00:00:00Z"),
        // 90 minutes: multiples of 5400 s since the epoch; 2027-01-01T00:00Z is 1798761600 = 333104 * 5400.
        Case(period: .seconds(5400), after: "2027-01-01T00:00:00Z", expected: "2027-01-01T01:30:00Z"),
        Case(period: .milliseconds(1500), after: "2027-01-01T00:00:00Z", expected: "2027-01-01T00:00:01.5Z"),
    ]

    @Test("nextRun", arguments: cases)
    func nextRun(_ example: Case) {
        #expect(every(example.period).nextRun(after: utc(example.after)) == utc(example.expected))
    }

    @Test("the time zone plays no part: hourly runs stay an hour apart across DST")
    func ignoresZone() {
        let paris = every(.seconds(3600), "Europe/Paris")
        for start in [utc("2027-03-27T22:30:00Z"), utc("2027-10-30T22:30:00Z")] {
            let runs = paris.runs(after: start, count: 6)
            #expect(runs == every(.seconds(3600)).runs(after: start, count: 6))
            #expect(zip(runs, runs.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 3600 })
        }
        #expect(
            every(.seconds(86_400), "Australia/Lord_Howe").nextRun(after: utc("2027-10-02T15:00:00Z"))
                == utc("2027-10-03T00:00:00Z"))
    }

    @Test("runs are on the grid, strictly after, ascending", arguments: [900, 3600, 6 * 3600, 86_400])
    func grid(_ seconds: Int) {
        let schedule = every(.seconds(seconds))
        let start = utc("2027-03-28T00:00:00Z")  // on every grid above
        let runs = schedule.runs(after: start, count: 200)
        for (index, run) in runs.enumerated() {
            #expect(run == start.addingTimeInterval(TimeInterval((index + 1) * seconds)))
            #expect(run.timeIntervalSince1970.truncatingRemainder(dividingBy: Double(seconds)) == 0)
        }
    }
}
