import Foundation
import PartmandCore
import PartmandEngine
import PartmandTestSupport
import Testing

/// Partitions made by pg_partman or by hand are adopted by their bounds; other key types work.
@Suite struct AdoptionTests {
    @Test func partmanFourNamedPartitionsAreAdoptedByBounds() throws {
        let fixture = try EngineFixture("adopt")
        try fixture.createParent("events")
        let events = fixture.schema.qualified("events")
        for (name, from, to) in [
            ("events_p2026_10", "2026-10-01", "2026-11-01"), ("events_p2026_11", "2026-11-01", "2026-12-01"),
        ] {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(name)) PARTITION OF \(events) FOR VALUES FROM ('\(from)+00') TO ('\(to)+00')"
            )
        }

        let report = fixture.pass([fixture.spec("events", premake: 2)], at: "2026-11-26T10:00:00Z")

        #expect(report.succeeded)
        #expect(
            try fixture.partitions("events") == [
                "events_p2026_10 \(monthBounds(2026, 10))",
                "events_p2026_11 \(monthBounds(2026, 11))",
                "events_p20261201 \(monthBounds(2026, 12))",
                "events_p20270101 \(monthBounds(2027, 1))",
                "events_default DEFAULT",
            ])
    }

    @Test func handMadeOddBoundsAreNeverOverlapped() throws {
        let fixture = try EngineFixture("oddbounds")
        try fixture.createParent("events")
        try fixture.schema.run(
            "CREATE TABLE \(fixture.schema.qualified("events_custom")) PARTITION OF \(fixture.schema.qualified("events")) FOR VALUES FROM ('2026-11-15+00') TO ('2026-12-15+00')"
        )

        let report = fixture.pass([fixture.spec("events", premake: 1)], at: "2026-11-26T10:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(
            try fixture.partitions("events") == [
                "events_p20261101 FROM 2026-11-01 00:00:00+00 TO 2026-11-15 00:00:00+00",
                "events_custom FROM 2026-11-15 00:00:00+00 TO 2026-12-15 00:00:00+00",
                "events_p20261215 FROM 2026-12-15 00:00:00+00 TO 2027-01-01 00:00:00+00",
                "events_default DEFAULT",
            ])
    }

    @Test func gapBetweenPartitionsIsFilled() throws {
        let fixture = try EngineFixture("gap")
        try fixture.createParent("events")
        let events = fixture.schema.qualified("events")
        for (name, from, to) in [("a", "2026-09-01", "2026-10-01"), ("b", "2026-11-01", "2026-12-01")] {
            try fixture.schema.run(
                "CREATE TABLE \(fixture.schema.qualified(name)) PARTITION OF \(events) FOR VALUES FROM ('\(from)+00') TO ('\(to)+00')"
            )
        }

        fixture.pass([fixture.spec("events", premake: 1)], at: "2026-11-26T10:00:00Z")

        #expect(
            try fixture.partitions("events").prefix(3) == [
                "a \(monthBounds(2026, 9))", "events_p20261001 \(monthBounds(2026, 10))", "b \(monthBounds(2026, 11))",
            ])
    }

    @Test func timestampWithoutTimeZoneKey() throws {
        let fixture = try EngineFixture("tskey")
        try fixture.createParent("events", type: "timestamp")

        fixture.pass(
            [fixture.spec("events", interval: "daily", premake: 1, retention: nil)], at: "2026-11-26T23:30:00Z")

        #expect(
            try fixture.partitions("events") == [
                "events_p20261126 FROM 2026-11-26 00:00:00 TO 2026-11-27 00:00:00",
                "events_p20261127 FROM 2026-11-27 00:00:00 TO 2026-11-28 00:00:00",
                "events_default DEFAULT",
            ])
    }

    @Test func dateKeyWithWeeklyPartitions() throws {
        let fixture = try EngineFixture("datekey")
        try fixture.createParent("events", type: "date")

        fixture.pass(
            [fixture.spec("events", interval: "weekly", premake: 1, retention: nil)], at: "2026-11-26T10:00:00Z")

        // 2026-11-26 is a Thursday: its ISO week starts Monday 2026-11-23.
        #expect(
            try fixture.partitions("events") == [
                "events_p20261123 FROM 2026-11-23 TO 2026-11-30",
                "events_p20261130 FROM 2026-11-30 TO 2026-12-07",
                "events_default DEFAULT",
            ])
    }
}
