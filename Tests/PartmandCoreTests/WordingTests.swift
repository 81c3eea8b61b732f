import Foundation
import Testing

@testable import PartmandCore

@Suite("Wording")
struct WordingTests {
    @Test("spans in seconds, minutes and hours with one decimal")
    func spans() {
        #expect(Wording.span(42) == "42 s")
        #expect(Wording.span(119.9) == "119 s")
        #expect(Wording.span(120) == "2 min")
        #expect(Wording.span(1020) == "17 min")
        #expect(Wording.span(7199) == "119 min")
        #expect(Wording.span(7200) == "2.0 h")
        #expect(Wording.span(12_600) == "3.5 h")
        #expect(Wording.span(12_780) == "3.5 h")  // 3.55 h, just below it in binary
        #expect(Wording.span(86_400 * 400) == "9600.0 h")
    }

    @Test("one decimal as printf's %.1f: exact halves to even, the rest to nearest")
    func oneDecimalLikePrintf() {
        for value in [0, 0.05, 0.15, 0.25, 0.35, 2.25, 2.75, 3.45, 3.55, 9.95, 99.95, 1e13 + 0.25, 0.0499999999999] {
            #expect(Wording.oneDecimal(value) == String(format: "%.1f", value), "\(value)")
        }
        var generator = SplitMix64(seed: 3600)
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            // Seconds as they come (whole, milliseconds, microseconds), in hours; and values near a half.
            let seconds =
                Double(Int64.random(in: 7200...400_000_000, using: &generator)) / [1, 1000, 1e6].randomElement(
                    using: &generator)!
            let near = Double(Int.random(in: 0...100_000, using: &generator)) / 10 + 0.05
            for value in [seconds / 3600, near, near.nextUp, near.nextDown] where value >= 0 {
                if Wording.oneDecimal(value) != String(format: "%.1f", value) {
                    mismatches.append("\(value): \(Wording.oneDecimal(value)) != \(String(format: "%.1f", value))")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }
}
