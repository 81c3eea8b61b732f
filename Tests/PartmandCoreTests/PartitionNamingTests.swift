import Foundation
import Testing

@testable import PartmandCore

@Suite("PartitionNaming")
struct PartitionNamingTests {
    @Test("intervals of a day or more: <parent>_pYYYYMMDD")
    func dayOrMore() {
        let lower = iso("2026-11-01T00:00:00Z")
        for text in ["daily", "3 days", "monthly", "quarterly", "yearly", "2 years"] {
            #expect(
                newChildName(parent: "webhook_events", lowerBound: lower, calendar: calendar(text))
                    == "webhook_events_p20261101")
        }
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-11-23T00:00:00Z"), calendar: calendar("weekly"))
                == "webhook_events_p20261123")
        #expect(
            newChildName(
                parent: "t", lowerBound: calendar("yearly").boundary(ofSlot: 999), calendar: calendar("yearly"))
                == "t_p09990101")
    }

    @Test("sub-day intervals: <parent>_pYYYYMMDD_HH24MISS")
    func subDay() {
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-11-26T10:45:00Z"), calendar: calendar("15 minutes"))
                == "webhook_events_p20261126_104500")
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-11-26T00:00:00Z"), calendar: calendar("hourly"))
                == "webhook_events_p20261126_000000")
        // A hand-made bound that is not on a minute still names its seconds.
        #expect(
            newChildName(
                parent: "m", lowerBound: iso("2026-11-26T09:08:07Z"), calendar: calendar("hourly"))
                == "m_p20261126_090807")
    }

    @Test("names use the calendar zone's wall clock")
    func wallClock() {
        // The Paris November 2026 partition starts at 2026-10-31T23:00Z.
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-10-31T23:00:00Z"),
                calendar: calendar("monthly", "Europe/Paris")) == "webhook_events_p20261101")
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-11-01T04:00:00Z"),
                calendar: calendar("monthly", "America/New_York")) == "webhook_events_p20261101")
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-11-26T10:00:00Z"),
                calendar: calendar("hourly", "Europe/Paris")) == "webhook_events_p20261126_110000")
        #expect(
            newChildName(
                parent: "webhook_events", lowerBound: iso("2026-11-26T10:00:00Z"),
                calendar: calendar("hourly", "Asia/Kolkata")) == "webhook_events_p20261126_153000")
    }

    @Test("default partition")
    func defaultName() {
        #expect(
            PartitionNaming.unique(parent: "webhook_events", suffix: "_default", taken: []) == "webhook_events_default")
        let long = String(repeating: "x", count: 63)
        #expect(
            PartitionNaming.unique(parent: long, suffix: "_default", taken: []) == String(repeating: "x", count: 55)
                + "_default")
    }

    @Test("long ASCII parents are cut so the name fits 63 bytes, suffix intact")
    func asciiTruncation() {
        let lower = iso("2026-11-01T00:00:00Z")
        let monthly = calendar("monthly")
        // "_p20261101" is 10 bytes, leaving 53 for the parent.
        let fits = String(repeating: "a", count: 53)
        #expect(newChildName(parent: fits, lowerBound: lower, calendar: monthly) == fits + "_p20261101")
        for length in [54, 63, 200] {
            let name = newChildName(
                parent: String(repeating: "a", count: length), lowerBound: lower, calendar: monthly)
            #expect(name == fits + "_p20261101")
            #expect(name.utf8.count == 63)
        }
        let subDay = newChildName(
            parent: String(repeating: "b", count: 63), lowerBound: lower, calendar: calendar("hourly"))
        #expect(subDay == String(repeating: "b", count: 46) + "_p20261101_000000")
    }

    @Test(
        "multi-byte parents are cut at character boundaries",
        arguments: [
            String(repeating: "é", count: 40),  // 2 bytes each
            String(repeating: "日", count: 30),  // 3 bytes each
            String(repeating: "🦄", count: 20),  // 4 bytes each
            "événements_" + String(repeating: "ü", count: 30),
            String(repeating: "e\u{301}", count: 30),  // decomposed é: 3 bytes per character
            "a" + String(repeating: "👩‍👩‍👧", count: 4),  // 18-byte grapheme clusters
        ])
    func multiByteTruncation(parent: String) {
        let suffix = "_p20261101"
        let name = newChildName(
            parent: parent, lowerBound: iso("2026-11-01T00:00:00Z"), calendar: calendar("monthly"))
        #expect(name.utf8.count <= 63)
        #expect(name.hasSuffix(suffix))
        let kept = String(name.dropLast(suffix.count))
        #expect(parent.hasPrefix(kept))
        // The kept part is whole characters of the parent, and as many as fit.
        let keptCount = kept.count
        #expect(Array(parent.prefix(keptCount)) == Array(kept))
        if keptCount < parent.count {
            let next = parent[parent.index(parent.startIndex, offsetBy: keptCount)]
            #expect(kept.utf8.count + next.utf8.count + suffix.utf8.count > 63)
        }
        // The bytes are valid UTF-8 that decode back to the same name.
        #expect(String(decoding: Array(name.utf8), as: UTF8.self) == name)
    }

    @Test("fit leaves short names alone")
    func fitShort() {
        #expect(PartitionNaming.fit(parent: "events", suffix: "_default") == "events_default")
        #expect(PartitionNaming.fit(parent: "", suffix: "_p20261101") == "_p20261101")
    }

    @Test("unique appends _1, _2, ... when a name is taken")
    func unique() {
        #expect(PartitionNaming.unique(parent: "t", suffix: "_p20261101", taken: []) == "t_p20261101")
        #expect(PartitionNaming.unique(parent: "t", suffix: "_p20261101", taken: ["t_p20261201"]) == "t_p20261101")
        var taken: Set<String> = ["t_p20261101"]
        for n in 1...12 {
            let name = PartitionNaming.unique(parent: "t", suffix: "_p20261101", taken: taken)
            #expect(name == "t_p20261101_\(n)")
            taken.insert(name)
        }
    }

    @Test("unique(parent:suffix:taken:) shortens only the parent part")
    func uniqueKeepsSuffix() {
        let parent = String(repeating: "a", count: 60)
        let first = PartitionNaming.unique(parent: parent, suffix: "_p20261101", taken: [])
        #expect(first == String(repeating: "a", count: 53) + "_p20261101")
        let second = PartitionNaming.unique(parent: parent, suffix: "_p20261101", taken: [first])
        #expect(second == String(repeating: "a", count: 51) + "_p20261101_1")
        let multiByte = PartitionNaming.unique(
            parent: String(repeating: "日", count: 30), suffix: "_p20261101", taken: [first, second])
        #expect(multiByte == String(repeating: "日", count: 17) + "_p20261101")
        let afterNine = PartitionNaming.unique(
            parent: parent, suffix: "_default",
            taken: Set(
                [String(repeating: "a", count: 55) + "_default"]
                    + (1...9).map { "\(String(repeating: "a", count: 53))_default_\($0)" }))
        #expect(afterNine == String(repeating: "a", count: 52) + "_default_10")
    }
}
