import Testing

@testable import PartmandConfig

@Suite("Durations")
struct DurationParserTests {
    @Test(
        "accepted spellings",
        arguments: [
            ("500ms", Duration.milliseconds(500)),
            ("1s", .seconds(1)),
            ("1.5s", .milliseconds(1500)),
            ("5min", .seconds(300)),
            ("5m", .seconds(300)),
            ("10 minutes", .seconds(600)),
            ("2h", .seconds(7200)),
            ("1 hour", .seconds(3600)),
            ("1 day", .seconds(86400)),
            ("2d", .seconds(172_800)),
            (" 3 SECONDS ", .seconds(3)),
            ("0s", .zero),
        ])
    func accepted(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(
        "refused spellings",
        arguments: ["", "1", "fast", "-1s", "s", "1 fortnight", "1.2.3s", "1e3s", "999999999999999999 days", "∞s"])
    func refused(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }
}
