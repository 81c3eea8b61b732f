import Foundation
import Testing

@testable import PartmandTime

@Suite("CivilDate")
struct CivilDateTests {
    @Test("day numbers of known dates")
    func known() {
        #expect(CivilDate(year: 1970, month: 1, day: 1).dayNumber == 0)
        #expect(CivilDate(year: 1969, month: 12, day: 31).dayNumber == -1)
        #expect(CivilDate(year: 2000, month: 3, day: 1).dayNumber == 11_017)
        #expect(CivilDate(year: 2026, month: 11, day: 23).dayNumber == 20_780)
        #expect(CivilDate(dayNumber: 20_783) == CivilDate(year: 2026, month: 11, day: 26))
        #expect(CivilDate(dayNumber: -719_468) == CivilDate(year: 0, month: 3, day: 1))
    }

    @Test("day numbers round-trip and count every day once")
    func roundTrip() {
        var mismatches: [String] = []
        var previous = CivilDate(dayNumber: -200_001)
        for number in -200_000...200_000 {
            let date = CivilDate(dayNumber: number)
            let followsPrevious =
                (date.year == previous.year && date.month == previous.month && date.day == previous.day + 1)
                || (date.day == 1 && previous.day >= 28
                    && (date.year == previous.year && date.month == previous.month + 1
                        || date.year == previous.year + 1 && date.month == 1 && previous.month == 12))
            if date.dayNumber != number || !followsPrevious { mismatches.append("\(number): \(previous) -> \(date)") }
            previous = date
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("month indexes")
    func monthIndex() {
        #expect(CivilDate(year: 2026, month: 11, day: 26).monthIndex == 2026 * 12 + 10)
        #expect(CivilDate(monthIndex: 0) == CivilDate(year: 0, month: 1, day: 1))
        #expect(CivilDate(monthIndex: -1) == CivilDate(year: -1, month: 12, day: 1))
        #expect(CivilDate(monthIndex: 2026 * 12 + 10) == CivilDate(year: 2026, month: 11, day: 1))
    }

    @Test("floor division rounds towards negative infinity")
    func floorDivision() {
        #expect(floorDiv(7, 3) == 2)
        #expect(floorDiv(-7, 3) == -3)
        #expect(floorDiv(-6, 3) == -2)
        #expect(floorMod(-7, 3) == 2)
        #expect(floorDiv(Int64(-1), Int64(3_600)) == -1)
        #expect(floorDiv(Int64(3_599), Int64(3_600)) == 0)
    }
}
