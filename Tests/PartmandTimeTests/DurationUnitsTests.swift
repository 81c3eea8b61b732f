import Foundation
import PartmandTime
import Testing

@Suite("Duration units")
struct DurationUnitsTests {
    @Test("whole milliseconds, truncated")
    func milliseconds() {
        #expect(Duration.seconds(2).milliseconds == 2_000)
        #expect(Duration.microseconds(1_999).milliseconds == 1)
        #expect(Duration.zero.milliseconds == 0)
    }

    @Test("seconds as a TimeInterval")
    func timeInterval() {
        #expect(Duration.milliseconds(1_500).timeInterval == 1.5)
        #expect(Duration.seconds(-3).timeInterval == -3)
    }

    @Test("seconds as text")
    func secondsText() {
        #expect(Duration.seconds(10).secondsText == "10s")
        #expect(Duration.milliseconds(500).secondsText == "0.5s")
    }

    @Test("durations become whole microseconds, rounded up and clamped")
    func microseconds() {
        #expect(Duration.seconds(4).wholeMicrosecondsRoundedUp == 4_000_000)
        #expect(Duration.microseconds(7).wholeMicrosecondsRoundedUp == 7)
        #expect(Duration.nanoseconds(1_001).wholeMicrosecondsRoundedUp == 2)
        #expect(Duration.zero.wholeMicrosecondsRoundedUp == 0)
        #expect(Duration.seconds(-3).wholeMicrosecondsRoundedUp == 0)
        #expect(Duration.milliseconds(-1).wholeMicrosecondsRoundedUp == 0)
        #expect(Duration.seconds(Int64.max).wholeMicrosecondsRoundedUp == UInt64.max)
    }
}

@Suite("DateFormatter.fixed")
struct FixedDateFormatterTests {
    @Test("formats on the zone's wall clock in the POSIX locale")
    func wallClock() throws {
        let instant = try Date("2026-11-26T10:00:00Z", strategy: .iso8601)
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        #expect(
            DateFormatter.fixed("yyyy-MM-dd HH:mm xxx", in: paris).string(from: instant) == "2026-11-26 11:00 +01:00")
    }
}
