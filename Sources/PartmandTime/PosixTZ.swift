/// A POSIX `TZ` rule, as in the footer of a TZif file (RFC 8536 section 3.3, with the version 3
/// extensions): `std offset [dst [offset] [,start[/time],end[/time]]]`, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`,
/// `<-03>3`, `<+0545>-5:45`, `AEST-10AEDT,M10.1.0,M4.1.0/3` (DST over the new year).
///
/// Offsets in the string count west of Greenwich (`CET-1` is UTC+1); the values here count east, as
/// TZif's do. A DST name without an offset is one hour ahead of standard time; without rules it follows
/// the US rules `M3.2.0,M11.1.0`, as the tz code does.
struct PosixTZ: Sendable {
    /// Standard time's offset from UTC, in seconds, east positive.
    var standardOffset: Int32
    var daylight: Daylight?

    struct Daylight: Sendable {
        /// Daylight time's offset from UTC, in seconds, east positive.
        var offset: Int32
        /// DST starts at `startTime` seconds after local midnight of `start`, on standard time's clock.
        var start: RuleDate
        var startTime: Int64
        /// DST ends at `endTime` seconds after local midnight of `end`, on daylight time's clock.
        var end: RuleDate
        var endTime: Int64
    }

    enum RuleDate: Sendable {
        /// `Jn`: day 1...365, February 29 never counted.
        case julian(Int)
        /// `n`: day 0...365, February 29 counted in leap years.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday `d` (0 is Sunday) of week `w` (1...5, 5 the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)

        /// The day (days since 1970-01-01) this rule names in `year`.
        func dayNumber(in year: Int) -> Int {
            let january1 = CivilDate(year: year, month: 1, day: 1).dayNumber
            switch self {
            case .julian(let day):
                let leap = CivilDate(year: year, month: 3, day: 1).dayNumber - january1 == 60
                return january1 + day - 1 + (leap && day >= 60 ? 1 : 0)
            case .zeroBased(let day):
                return january1 + day
            case .monthWeekDay(let month, let week, let weekday):
                let first = CivilDate(year: year, month: month, day: 1).dayNumber
                let monthLength =
                    CivilDate(monthIndex: CivilDate(year: year, month: month, day: 1).monthIndex + 1)
                    .dayNumber - first
                // 1970-01-01 was a Thursday (4).
                var day = first + floorMod(weekday - floorMod(first + 4, 7), 7) + 7 * (week - 1)
                while day >= first + monthLength { day -= 7 }
                return day
            }
        }
    }

    /// The offset at `seconds` since the epoch.
    func offset(at seconds: Int64) -> Int32 {
        guard daylight != nil else { return standardOffset }
        let year = CivilDate(dayNumber: Int(floorDiv(seconds, 86_400))).year
        var offset = standardOffset
        for transition in transitions(years: (year - 1)...(year + 1)) where transition.at <= seconds {
            offset = transition.offset
        }
        return offset
    }

    /// The first instant after `seconds` at which the offset changes from `current`; nil without DST.
    func nextChange(after seconds: Int64, from current: Int32) -> Int64? {
        guard daylight != nil else { return nil }
        let year = CivilDate(dayNumber: Int(floorDiv(seconds, 86_400))).year
        // Until the year after next begins (a year at least, so every change of a rule with DST), with the
        // rules of the years around, whose transitions can meet there (DST all year).
        let limit = Int64(CivilDate(year: year + 2, month: 1, day: 1).dayNumber) * 86_400
        let later = transitions(years: (year - 1)...(year + 3)).filter { $0.at > seconds && $0.at < limit }
        // Transitions at one instant count together: an end and a start at the same instant change nothing.
        for (index, transition) in later.enumerated()
        where index + 1 == later.count || later[index + 1].at != transition.at {
            if transition.offset != current { return transition.at }
        }
        return nil
    }

    /// The starts and ends of DST in `years`, ascending; at equal instants an end comes before a start,
    /// so that DST all year (`EST5EDT,0/0,J365/25`) stays DST.
    private func transitions(years: ClosedRange<Int>) -> [(at: Int64, offset: Int32)] {
        guard let daylight else { return [] }
        var result: [(at: Int64, offset: Int32, isStart: Bool)] = []
        for year in years {
            let start = Int64(daylight.start.dayNumber(in: year)) * 86_400 + daylight.startTime - Int64(standardOffset)
            let end = Int64(daylight.end.dayNumber(in: year)) * 86_400 + daylight.endTime - Int64(daylight.offset)
            result.append((start, daylight.offset, true))
            result.append((end, standardOffset, false))
        }
        result.sort { ($0.at, $0.isStart ? 1 : 0) < ($1.at, $1.isStart ? 1 : 0) }
        return result.map { ($0.at, $0.offset) }
    }

    // MARK: - Parsing

    init(standardOffset: Int32, daylight: Daylight?) {
        self.standardOffset = standardOffset
        self.daylight = daylight
    }

    init?(parsing text: String) {
        var scanner = Scanner(text: Substring(text))
        guard scanner.name(), let standard = scanner.time(maxHours: 24) else { return nil }
        let standardOffset = Int32(-standard)
        if scanner.atEnd {
            self.init(standardOffset: standardOffset, daylight: nil)
            return
        }
        guard scanner.name() else { return nil }
        var daylightOffset = standardOffset + 3600
        if !scanner.atEnd && scanner.peek != "," {
            guard let offset = scanner.time(maxHours: 24) else { return nil }
            daylightOffset = Int32(-offset)
        }
        var rules = Scanner(text: ",M3.2.0,M11.1.0")
        if !scanner.atEnd { rules = scanner }
        guard rules.take(","), let start = rules.ruleDate(), let startTime = rules.ruleTime(), rules.take(","),
            let end = rules.ruleDate(), let endTime = rules.ruleTime(), rules.atEnd
        else { return nil }
        self.init(
            standardOffset: standardOffset,
            daylight: Daylight(
                offset: daylightOffset, start: start, startTime: startTime, end: end, endTime: endTime))
    }

    private struct Scanner {
        var text: Substring

        var atEnd: Bool { text.isEmpty }
        var peek: Character? { text.first }

        mutating func take(_ character: Character) -> Bool {
            guard text.first == character else { return false }
            text.removeFirst()
            return true
        }

        /// `<…>` (letters, digits, `+`, `-`) or three letters or more.
        mutating func name() -> Bool {
            if take("<") {
                let inner = text.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-") }
                text = text.dropFirst(inner.count)
                return inner.count >= 3 && take(">")
            }
            let letters = text.prefix { $0.isASCII && $0.isLetter }
            text = text.dropFirst(letters.count)
            return letters.count >= 3
        }

        /// `[+-]hh[:mm[:ss]]` in seconds.
        mutating func time(maxHours: Int) -> Int64? {
            let negative = take("-")
            if !negative { _ = take("+") }
            guard let hours = number(maxDigits: 3), hours <= maxHours else { return nil }
            var seconds = hours * 3600
            if take(":") {
                guard let minutes = number(maxDigits: 2), minutes < 60 else { return nil }
                seconds += minutes * 60
                if take(":") {
                    guard let secs = number(maxDigits: 2), secs < 60 else { return nil }
                    seconds += secs
                }
            }
            return Int64(negative ? -seconds : seconds)
        }

        /// `/time` after a rule date, 02:00 when absent; up to 167 hours either way (version 3).
        mutating func ruleTime() -> Int64? {
            take("/") ? time(maxHours: 167) : 7200
        }

        mutating func ruleDate() -> RuleDate? {
            if take("J") {
                guard let day = number(maxDigits: 3), (1...365).contains(day) else { return nil }
                return .julian(day)
            }
            if take("M") {
                guard let month = number(maxDigits: 2), (1...12).contains(month), take("."),
                    let week = number(maxDigits: 1), (1...5).contains(week), take("."),
                    let weekday = number(maxDigits: 1), (0...6).contains(weekday)
                else { return nil }
                return .monthWeekDay(month: month, week: week, weekday: weekday)
            }
            guard let day = number(maxDigits: 3), (0...365).contains(day) else { return nil }
            return .zeroBased(day)
        }

        private mutating func number(maxDigits: Int) -> Int? {
            let digits = text.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= maxDigits else { return nil }
            text = text.dropFirst(digits.count)
            return Int(digits)
        }
    }
}
