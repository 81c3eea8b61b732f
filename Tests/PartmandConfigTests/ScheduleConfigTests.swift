import PartmandConfig
import Testing

/// `schedule.jitter` must stay shorter than the gap between two runs, or a run would slip past the next.
@Suite("schedule jitter")
struct ScheduleConfigTests {
    private func yaml(_ schedule: String) -> String {
        """
        schedule:
        \(schedule)
        tables:
          - table: events
            column: at
            interval: daily
        """
    }

    @Test func jitterShorterThanTheGapIsAccepted() throws {
        let config = try parse(yaml("  at: [\"02:00\", \"14:00\"]\n  jitter: 30min"))
        #expect(config.schedule.jitter == .seconds(1800))
        #expect(try parse(yaml("  every: 15min\n  jitter: 5min")).schedule.jitter == .seconds(300))
    }

    @Test(arguments: [
        "  at: [\"02:00\", \"03:00\"]\n  jitter: 1h",
        "  at: [\"23:30\", \"00:10\"]\n  jitter: 45min",
        "  every: 10min\n  jitter: 10min",
        "  jitter: 24h",
    ])
    func jitterAsLongAsTheGapIsRefused(_ schedule: String) throws {
        let error = try #require(parseError(yaml(schedule)))
        #expect(error.key == "schedule.jitter")
        #expect(error.message.contains("shorter than the shortest gap"))
        #expect(error.line != nil)
    }
}
