import Foundation
import Testing

@testable import PartmandCore

private let zoneNames = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
private let caseCount = 400

/// Property tests: seeded pseudo-random tables, each case reproducible from its number alone.
@Suite("Planner properties")
struct PlannerPropertyTests {
    /// One generated table, configuration and instant.
    struct Scenario: CustomStringConvertible {
        var spec: TableSpec
        var snapshot: TableSnapshot
        var now: Date
        /// The calendar the planner must use (UTC for keys without a time zone).
        var calendar: PartitionCalendar

        var description: String {
            let partitions = snapshot.partitions.map {
                "\($0.name.name) \($0.range)\($0.detachPending ? " (pending detach)" : "")"
            }
            return """
                interval \(spec.interval), premake \(spec.premake), retention \(spec.retention?.description ?? "none"), \
                zone \(spec.timeZone.identifier), key \(snapshot.keyType.rawValue), now \(ISO8601.string(now)), \
                default wanted \(spec.defaultPartition), default \(snapshot.defaultPartition?.name ?? "none"), \
                partitions:\n  \(partitions.joined(separator: "\n  "))
                """
        }
    }

    static func scenario(_ caseNumber: Int) -> Scenario {
        var rng = SeededGenerator(seed: 0x7061_7274_6D61_6E64 &+ UInt64(caseNumber))
        let interval = CalendarInterval(Int.random(in: 1...3, using: &rng), rng.pick(CalendarInterval.Unit.allCases))
        let premake = Int.random(in: 1...6, using: &rng)
        let retention =
            rng.chance(0.7)
            ? CalendarInterval(Int.random(in: 1...12, using: &rng), rng.pick(CalendarInterval.Unit.allCases)) : nil
        let timeZone = zone(rng.pick(zoneNames))
        let keyType: PartitionKeyType = rng.chance(0.85) ? .timestamptz : .timestamp
        let calendar = PartitionCalendar(interval: interval, timeZone: keyType == .timestamptz ? timeZone : utcZone)
        let parent = QualifiedName(
            schema: "public", name: rng.chance(0.2) ? String(repeating: "t", count: 58) : "events")
        let spec = TableSpec(
            parent: parent, column: "at", interval: interval, premake: premake, retention: retention,
            retentionAction: rng.pick([.drop, .detach, .archive(schema: "old")]), defaultPartition: rng.chance(0.7),
            timeZone: timeZone)

        let earliest = Int64(instant(2024, 1, 1).timeIntervalSince1970)
        let latest = Int64(instant(2031, 1, 1).timeIntervalSince1970)
        var now = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: earliest..<latest, using: &rng)))
        if rng.chance(0.15) {
            // Exactly on a boundary, so the cutoff often lands exactly on one too.
            now = calendar.boundary(ofSlot: calendar.slot(containing: now) + Int.random(in: 0...1, using: &rng))
        }
        let current = calendar.slot(containing: now)

        // Slots around now, and back to the retention cutoff when that is near.
        var firstSlot = current - Int.random(in: 0...8, using: &rng)
        if let retention, rng.chance(0.7) {
            let cutoffSlot = calendar.slot(containing: calendar.instant(now, minus: retention))
            if current - cutoffSlot <= 40 {
                firstSlot = min(firstSlot, cutoffSlot - Int.random(in: 0...3, using: &rng))
            }
        }
        let lastSlot = current + Int.random(in: -2...8, using: &rng)

        var partitions: [ExistingPartition] = []
        var names = Set<String>()
        func add(_ name: String, _ lower: RangeBound, _ upper: RangeBound, rng: inout SeededGenerator) {
            let unique = names.contains(name) ? PartitionNaming.fit(parent: name, suffix: "_\(names.count)") : name
            names.insert(unique)
            partitions.append(
                ExistingPartition(
                    name: QualifiedName(schema: "public", name: unique),
                    range: PartitionRange(lower: lower, upper: upper), detachPending: rng.chance(0.08)))
        }
        func childName(_ slot: Int) -> String {
            newChildName(
                parent: parent.name, lowerBound: calendar.boundary(ofSlot: slot), calendar: calendar)
        }

        if rng.chance(0.12) {
            let upper = calendar.boundary(ofSlot: firstSlot - Int.random(in: 0...2, using: &rng))
            add("head", .minValue, .value(upper), rng: &rng)
        }
        var slot = firstSlot
        var handMade = 0
        while slot <= lastSlot {
            let roll = Double.random(in: 0..<1, using: &rng)
            if roll < 0.6 {
                // An aligned partition, named the pg_partman 5 way.
                add(
                    childName(slot), .value(calendar.boundary(ofSlot: slot)),
                    .value(calendar.boundary(ofSlot: slot + 1)), rng: &rng)
                slot += 1
            } else if roll < 0.8 {
                slot += 1  // missing: a gap
            } else {
                // An unaligned hand-made partition inside one slot or spanning two.
                let span = rng.chance(0.3) && slot < lastSlot ? 2 : 1
                let start = Int64(calendar.boundary(ofSlot: slot).timeIntervalSince1970)
                let end = Int64(calendar.boundary(ofSlot: slot + span).timeIntervalSince1970)
                let a = rng.chance(0.3) ? start : Int64.random(in: start..<end, using: &rng)
                let b = rng.chance(0.3) ? end : Int64.random(in: (a + 1)...end, using: &rng)
                // Sometimes squatting on the name a new partition of another slot would get.
                let name =
                    rng.chance(0.3) ? childName(slot + Int.random(in: -2...2, using: &rng)) : "hand_made_\(handMade)"
                handMade += 1
                add(
                    name, .value(Date(timeIntervalSince1970: TimeInterval(a))),
                    .value(Date(timeIntervalSince1970: TimeInterval(b))), rng: &rng)
                slot += span
            }
        }
        if rng.chance(0.1) {
            let lower = calendar.boundary(ofSlot: lastSlot + 1 + Int.random(in: 0...2, using: &rng))
            add("tail", .value(lower), .maxValue, rng: &rng)
        }
        let defaultPartition = rng.chance(0.5) ? QualifiedName(schema: "public", name: "events_default") : nil
        let snapshot = TableSnapshot(
            parent: parent, keyColumn: "at", keyType: keyType, partitions: partitions,
            defaultPartition: defaultPartition)
        return Scenario(spec: spec, snapshot: snapshot, now: now, calendar: calendar)
    }

    @Test("generated scenarios are well-formed")
    func generatorSanity() {
        var withRetention = 0
        var withGaps = 0
        var withUnaligned = 0
        for caseNumber in 0..<caseCount {
            let scenario = Self.scenario(caseNumber)
            let table = scenario.snapshot
            for (previous, next) in zip(table.partitions, table.partitions.dropFirst()) {
                #expect(previous.range.upper <= next.range.lower, "case \(caseNumber)\n\(scenario)")
            }
            #expect(Set(table.partitions.map(\.name)).count == table.partitions.count, "case \(caseNumber)")
            if scenario.spec.retention != nil { withRetention += 1 }
            if !table.gaps.isEmpty { withGaps += 1 }
            if table.partitions.contains(where: { $0.name.name.hasPrefix("hand_made") }) { withUnaligned += 1 }
        }
        // The generator must actually exercise the interesting shapes.
        #expect(withRetention > caseCount / 2)
        #expect(withGaps > caseCount / 3)
        #expect(withUnaligned > caseCount / 3)
    }

    @Test("applying a plan gives a sound table, and re-planning it changes nothing", arguments: 0..<caseCount)
    func planProperties(caseNumber: Int) {
        let scenario = Self.scenario(caseNumber)
        let (spec, before, now, calendar) = (scenario.spec, scenario.snapshot, scenario.now, scenario.calendar)
        let context = "case \(caseNumber)\n\(scenario)"
        let plan = Planner.plan(spec, before, now: now)
        let after = apply(plan, to: before)
        let cutoff = spec.retention.map { RangeBound.value(calendar.instant(now, minus: $0)) }

        // No two partitions overlap, and every new one is non-empty.
        for (previous, next) in zip(after.partitions, after.partitions.dropFirst()) {
            #expect(
                previous.range.upper <= next.range.lower,
                "\(previous.name) overlaps \(next.name)\n\(plan.actions)\n\(context)")
        }
        for new in plan.created { #expect(!new.range.isEmpty, "\(new.name) \(new.range)\n\(context)") }

        // Retention retires exactly the partitions ending at or before the cutoff.
        for retired in plan.retired {
            #expect(cutoff.map { retired.range.upper <= $0 } == true, "retired \(retired.name)\n\(context)")
            let original = before.partitions.first { $0.name == retired.name }
            #expect(original?.range == retired.range, "retired \(retired.name)\n\(context)")
            #expect(retired.finishPendingDetach == original?.detachPending, "retired \(retired.name)\n\(context)")
            #expect(retired.action == spec.retentionAction, "\(context)")
        }
        for partition in before.partitions {
            let due = cutoff.map { partition.range.upper <= $0 } ?? false
            #expect(after.partitions.contains(partition) == !due, "\(partition.name) \(partition.range)\n\(context)")
        }

        // Nothing is created that retention would remove at once.
        if let cutoff {
            for new in plan.created {
                #expect(new.range.upper > cutoff, "created \(new.name) \(new.range)\n\(context)")
            }
        }

        // The window: from the slot holding the cutoff (or the earliest survivor, if later), or from the slot
        // holding now when no partition survives before it, up to the end of the last premade slot.
        let currentStart = RangeBound.value(calendar.boundary(ofSlot: calendar.slot(containing: now)))
        let windowEnd = RangeBound.value(
            calendar.boundary(ofSlot: calendar.slot(containing: now) + spec.premake + 1))
        let survivors = before.partitions.filter { partition in cutoff.map { partition.range.upper > $0 } ?? true }
        var windowStart = currentStart
        if let earliest = survivors.first?.range.lower, earliest < currentStart {
            windowStart = earliest
            if let cutoff = cutoff?.date {
                windowStart = max(earliest, .value(calendar.boundary(ofSlot: calendar.slot(containing: cutoff))))
            }
        }
        let window = PartitionRange(lower: windowStart, upper: windowEnd)
        for hole in window.subtracting(after.partitions.map(\.range)) {
            // Only a piece wholly before a cutoff inside the current slot may stay uncovered.
            let allowed = windowStart == currentStart && cutoff.map { hole.upper <= $0 } == true
            #expect(allowed, "window \(window) not covered at \(hole)\n\(plan.actions)\n\(context)")
        }
        for new in plan.created {
            #expect(
                window.lower <= new.range.lower && new.range.upper <= window.upper, "created \(new.range)\n\(context)")
        }

        // The default partition is never touched by retention, and is made when wanted and missing.
        #expect(!plan.retired.contains { $0.name == before.defaultPartition }, "\(context)")
        #expect((plan.createdDefault != nil) == (spec.defaultPartition && before.defaultPartition == nil), "\(context)")

        // New names are unique, fit PostgreSQL's limit, and live in the parent's schema.
        let allNames = after.partitions.map(\.name) + (after.defaultPartition.map { [$0] } ?? [])
        #expect(Set(allNames).count == allNames.count, "duplicate names in \(allNames)\n\(context)")
        for name in plan.actions.map(\.partition) {
            #expect(name.name.utf8.count <= PartitionNaming.maxIdentifierBytes, "\(name)\n\(context)")
        }
        for new in plan.created { #expect(new.name.schema == spec.parent.schema, "\(context)") }

        // Idempotence: the applied table needs nothing more at the same instant.
        let again = Planner.plan(spec, after, now: now)
        #expect(again.actions.isEmpty, "second plan: \(again.actions)\n\(context)")
    }

    @Test("every instant lies in the slot whose boundaries enclose it", arguments: zoneNames)
    func slotsEncloseInstants(zoneName: String) {
        var rng = SeededGenerator(seed: UInt64(zoneName.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let earliest = Int64(instant(2024, 1, 1).timeIntervalSince1970)
        let latest = Int64(instant(2031, 1, 1).timeIntervalSince1970)
        for _ in 0..<300 {
            let interval = CalendarInterval(
                Int.random(in: 1...3, using: &rng), rng.pick(CalendarInterval.Unit.allCases))
            let calendar = PartitionCalendar(interval: interval, timeZone: zone(zoneName))
            let now = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: earliest..<latest, using: &rng)))
            let slot = calendar.slot(containing: now)
            let slotRange = calendar.range(ofSlot: slot)
            #expect(slotRange.contains(now), "\(interval) \(zoneName) \(ISO8601.string(now)) -> \(slotRange)")
            #expect(calendar.slot(containing: calendar.boundary(ofSlot: slot + 1)) == slot + 1)
        }
    }
}
