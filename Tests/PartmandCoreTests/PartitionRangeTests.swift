import Foundation
import Testing

@testable import PartmandCore

private let nov = iso("2026-11-01T00:00:00Z")
private let dec = iso("2026-12-01T00:00:00Z")
private let jan = iso("2027-01-01T00:00:00Z")
private let feb = iso("2027-02-01T00:00:00Z")
private let mar = iso("2027-03-01T00:00:00Z")

@Suite("PartitionRange")
struct PartitionRangeTests {
    @Test("bounds order MINVALUE < any value < MAXVALUE")
    func boundOrder() {
        #expect(RangeBound.minValue < .value(.distantPast))
        #expect(RangeBound.value(.distantFuture) < .maxValue)
        #expect(RangeBound.value(nov) < .value(dec))
        #expect(RangeBound.minValue < .maxValue)
        #expect(RangeBound.value(nov).date == nov)
        #expect(RangeBound.minValue.date == nil)
        #expect(RangeBound.maxValue.date == nil)
    }

    @Test("contains: lower inclusive, upper exclusive")
    func contains() {
        let november = range(nov, dec)
        #expect(november.contains(nov))
        #expect(november.contains(dec.addingTimeInterval(-1)))
        #expect(!november.contains(dec))
        #expect(!november.contains(nov.addingTimeInterval(-1)))
        #expect(PartitionRange(lower: .minValue, upper: .value(nov)).contains(.distantPast))
        #expect(PartitionRange(lower: .value(nov), upper: .maxValue).contains(.distantFuture))
        #expect(range(nov, nov).isEmpty)
        #expect(range(dec, nov).isEmpty)
        #expect(!november.isEmpty)
    }

    @Test("overlaps")
    func overlaps() {
        let november = range(nov, dec)
        #expect(!november.overlaps(range(dec, jan)))  // adjacent
        #expect(!range(dec, jan).overlaps(november))
        #expect(november.overlaps(november))
        #expect(november.overlaps(range(nov.addingTimeInterval(86_400), nov.addingTimeInterval(2 * 86_400))))
        #expect(range(nov, jan).overlaps(range(dec, feb)))
        #expect(!november.overlaps(range(jan, feb)))
        let below = PartitionRange(lower: .minValue, upper: .value(dec))
        let above = PartitionRange(lower: .value(dec), upper: .maxValue)
        let everything = PartitionRange(lower: .minValue, upper: .maxValue)
        #expect(below.overlaps(november))
        #expect(!below.overlaps(above))
        #expect(above.overlaps(range(jan, feb)))
        #expect(!above.overlaps(november))
        #expect(everything.overlaps(november) && everything.overlaps(below) && everything.overlaps(above))
    }

    @Test("subtracting nothing or something disjoint leaves the range")
    func subtractingNothing() {
        let window = range(nov, mar)
        #expect(window.subtracting([]) == [window])
        #expect(window.subtracting([range(mar, iso("2027-04-01T00:00:00Z"))]) == [window])
        #expect(window.subtracting([PartitionRange(lower: .minValue, upper: .value(nov))]) == [window])
    }

    @Test("subtracting covering ranges leaves nothing")
    func subtractingAll() {
        let window = range(nov, mar)
        #expect(window.subtracting([window]).isEmpty)
        #expect(window.subtracting([range(nov, jan), range(jan, mar)]).isEmpty)
        #expect(window.subtracting([PartitionRange(lower: .minValue, upper: .maxValue)]).isEmpty)
        #expect(window.subtracting([range(iso("2026-10-01T00:00:00Z"), iso("2027-04-01T00:00:00Z"))]).isEmpty)
    }

    @Test("subtracting returns the uncovered pieces in order, whatever the input order")
    func subtractingPieces() {
        let window = range(nov, mar)
        let mid = iso("2026-11-16T00:00:00Z")
        #expect(window.subtracting([range(dec, jan)]) == [range(nov, dec), range(jan, mar)])
        #expect(window.subtracting([range(jan, feb), range(nov, mid)]) == [range(mid, jan), range(feb, mar)])
        // Overlapping and nested subtrahends.
        #expect(
            window.subtracting([range(dec, feb), range(jan, iso("2027-01-15T00:00:00Z"))]) == [
                range(nov, dec), range(feb, mar),
            ])
        #expect(window.subtracting([range(nov, jan), range(dec, feb)]) == [range(feb, mar)])
        // Ranges sticking out on either side.
        #expect(
            window.subtracting([range(iso("2026-10-01T00:00:00Z"), dec), range(feb, iso("2027-06-01T00:00:00Z"))]) == [
                range(dec, feb)
            ])
    }

    @Test("subtracting with MINVALUE and MAXVALUE")
    func subtractingInfinite() {
        let everything = PartitionRange(lower: .minValue, upper: .maxValue)
        #expect(
            everything.subtracting([range(nov, dec)])
                == [
                    PartitionRange(lower: .minValue, upper: .value(nov)),
                    PartitionRange(lower: .value(dec), upper: .maxValue),
                ])
        let window = range(nov, mar)
        #expect(window.subtracting([PartitionRange(lower: .value(jan), upper: .maxValue)]) == [range(nov, jan)])
        #expect(window.subtracting([PartitionRange(lower: .minValue, upper: .value(dec))]) == [range(dec, mar)])
        let above = PartitionRange(lower: .value(jan), upper: .maxValue)
        #expect(
            above.subtracting([range(feb, mar)]) == [
                range(jan, feb), PartitionRange(lower: .value(mar), upper: .maxValue),
            ])
    }

    @Test("descriptions are UTC ISO-8601")
    func descriptions() {
        #expect(range(nov, dec).description == "[2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z)")
        #expect(PartitionRange(lower: .minValue, upper: .maxValue).description == "[MINVALUE, MAXVALUE)")
        #expect(ISO8601.string(iso("2027-03-31T22:00:00Z")) == "2027-03-31T22:00:00Z")
    }

    @Test("ISO8601.string writes what ISO8601DateFormatter writes for whole milliseconds")
    func sameAsISO8601DateFormatter() {
        var generator = SplitMix64(seed: 8601)
        let formatter = ISO8601DateFormatter()
        var mismatches: [String] = []
        for _ in 0..<5000 {
            let seconds = Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator))
            // Whole milliseconds: ISO8601DateFormatter rounds to the millisecond before it drops the fraction.
            let date = Date(timeIntervalSince1970: seconds + Double(Int.random(in: 0..<1000, using: &generator)) / 1000)
            if ISO8601.string(date) != formatter.string(from: date) {
                mismatches.append(
                    "\(date.timeIntervalSince1970): \(ISO8601.string(date)) != \(formatter.string(from: date))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count): \(mismatches.prefix(5))")
    }
}

@Suite("TableSnapshot")
struct TableSnapshotTests {
    @Test("partitions are kept sorted by lower bound; gaps are the holes between them")
    func gaps() {
        let table = snapshot([
            month(2027, 2), month(2026, 11), existing("tail", .value(mar), .maxValue), month(2026, 12),
        ])
        #expect(table.partitions.map(\.range.lower) == [.value(nov), .value(dec), .value(feb), .value(mar)])
        #expect(table.gaps == [range(jan, feb)])
        #expect(snapshot([]).gaps.isEmpty)
        #expect(snapshot([existing("low", .minValue, .value(nov)), month(2026, 12)]).gaps == [range(nov, dec)])
    }
}
