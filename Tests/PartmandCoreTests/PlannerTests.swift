import Foundation
import Testing

@testable import PartmandCore

private func name(_ name: String, schema: String = "public") -> QualifiedName {
    QualifiedName(schema: schema, name: name)
}

private func create(_ partition: String, _ lower: Date, _ upper: Date) -> MaintenanceAction {
    .createPartition(NewPartition(name: name(partition), range: range(lower, upper)))
}

private func retire(
    _ partition: ExistingPartition, _ action: RetentionAction = .drop, finishPendingDetach: Bool = false
) -> MaintenanceAction {
    .retirePartition(
        RetiredPartition(
            name: partition.name, range: partition.range, action: action, finishPendingDetach: finishPendingDetach))
}

/// The five monthly partitions the reference deployment wants on 2026-11-26 (Nov 2026 ... Mar 2027).
private let referenceCreates: [MaintenanceAction] = [
    create("webhook_events_p20261101", instant(2026, 11, 1), instant(2026, 12, 1)),
    create("webhook_events_p20261201", instant(2026, 12, 1), instant(2027, 1, 1)),
    create("webhook_events_p20270101", instant(2027, 1, 1), instant(2027, 2, 1)),
    create("webhook_events_p20270201", instant(2027, 2, 1), instant(2027, 3, 1)),
    create("webhook_events_p20270301", instant(2027, 3, 1), instant(2027, 4, 1)),
]

/// Nov 2026 ... Mar 2027 and the default partition: the reference table after its first pass.
private func maintainedReferenceTable() -> TableSnapshot {
    snapshot(months(from: (2026, 11), through: (2027, 3)), defaultPartition: defaultName)
}

/// No two partitions overlap.
private func expectNoOverlap(_ table: TableSnapshot, sourceLocation: SourceLocation = #_sourceLocation) {
    for (previous, next) in zip(table.partitions, table.partitions.dropFirst()) {
        #expect(
            !previous.range.overlaps(next.range), "\(previous.name) overlaps \(next.name)",
            sourceLocation: sourceLocation)
    }
}

@Suite("Planner: reference deployment")
struct PlannerReferenceTests {
    @Test("an empty table gets Nov 2026 ... Mar 2027 and a default partition")
    func emptyTable() {
        let plan = Planner.plan(referenceSpec(), snapshot([]), now: referenceNow)
        #expect(plan.table == webhookEvents)
        #expect(plan.actions == referenceCreates + [.createDefaultPartition(defaultName)])
        #expect(plan.findings.isEmpty)
        #expect(plan.actions.map(\.kind) == ["create", "create", "create", "create", "create", "create-default"])
    }

    @Test("a second plan after applying the first is empty")
    func secondPlanIsEmpty() {
        let empty = snapshot([])
        let first = Planner.plan(referenceSpec(), empty, now: referenceNow)
        let applied = apply(first, to: empty)
        #expect(applied == maintainedReferenceTable())
        let second = Planner.plan(referenceSpec(), applied, now: referenceNow)
        #expect(second.actions.isEmpty)
        #expect(second.findings.isEmpty)
        // Still nothing to do until the month turns...
        #expect(Planner.plan(referenceSpec(), applied, now: iso("2026-11-30T23:59:59Z")).actions.isEmpty)
        // ...then exactly one more month is made.
        #expect(
            Planner.plan(referenceSpec(), applied, now: iso("2026-12-01T00:00:00Z")).actions
                == [create("webhook_events_p20270401", instant(2027, 4, 1), instant(2027, 5, 1))])
    }

    @Test("the planner is a pure function of its inputs")
    func pure() {
        let table = snapshot([month(2026, 1), month(2026, 12)], defaultPartition: defaultName)
        #expect(
            Planner.plan(referenceSpec(), table, now: referenceNow)
                == Planner.plan(referenceSpec(), table, now: referenceNow))
    }

    @Test("actions and findings describe themselves")
    func descriptions() {
        #expect(
            referenceCreates[0].description
                == "create public.webhook_events_p20261101 for [2026-11-01T00:00:00Z, 2026-12-01T00:00:00Z)")
        #expect(referenceCreates[0].partition == name("webhook_events_p20261101"))
        let createDefault = MaintenanceAction.createDefaultPartition(defaultName)
        #expect(createDefault.description == "create default partition public.webhook_events_default")
        #expect(createDefault.partition == defaultName)
        let drop = retire(month(2026, 1))
        #expect(drop.description == "drop public.webhook_events_p20260101 [2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z)")
        #expect(
            retire(month(2026, 1), .archive(schema: "archive"), finishPendingDetach: true).description
                == "finish pending detach, then archive to archive public.webhook_events_p20260101"
                + " [2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z)")
        let rows = Finding.defaultRows(
            DefaultRows(count: 3, oldest: iso("2026-01-02T00:00:00Z"), newest: iso("2027-06-01T00:00:00Z")))
        #expect(
            rows.description
                == "default partition holds 3 row(s), oldest 2026-01-02T00:00:00Z, newest 2027-06-01T00:00:00Z")
    }
}

@Suite("Planner: retention")
struct PlannerRetentionTests {
    @Test("retires partitions whose upper bound is at or before now − 6 months, and nothing else")
    func retiresOldPartitions() {
        let partitions = months(from: (2026, 1), through: (2027, 3))
        let plan = Planner.plan(referenceSpec(), snapshot(partitions, defaultPartition: defaultName), now: referenceNow)
        // Cutoff 2026-05-26T02:00Z: January to April end by May 1; May ends on June 1 and stays.
        #expect(plan.actions == partitions[0..<4].map { retire($0) })
        #expect(plan.findings.isEmpty)
    }

    @Test(
        "a partition ending exactly at the cutoff is retired; one ending a second later is not",
        arguments: [(iso("2026-05-26T02:00:00Z"), true), (iso("2026-05-26T02:00:01Z"), false)])
    func exactCutoff(upper: Date, retired: Bool) {
        let edge = existing("webhook_events_edge", .value(iso("2026-04-26T02:00:00Z")), .value(upper))
        let table = snapshot([edge] + months(from: (2026, 11), through: (2027, 3)), defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(), table, now: referenceNow)
        #expect(plan.retired.map(\.name) == (retired ? [edge.name] : []))
        #expect(!plan.created.contains { $0.range.upper <= .value(iso("2026-05-26T02:00:00Z")) })
    }

    @Test(
        "the retention action is carried into the plan",
        arguments: [
            (RetentionAction.drop, "drop"), (.detach, "detach"), (.archive(schema: "archive"), "archive"),
        ])
    func retentionAction(action: RetentionAction, kind: String) {
        let table = snapshot(
            [month(2026, 3)] + months(from: (2026, 11), through: (2027, 3)), defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(retentionAction: action), table, now: referenceNow)
        #expect(plan.actions == [retire(month(2026, 3), action)])
        #expect(plan.actions.map(\.kind) == [kind])
    }

    @Test("without retention nothing is retired")
    func noRetention() {
        let table = snapshot(months(from: (2020, 1), through: (2027, 3)), defaultPartition: defaultName)
        #expect(Planner.plan(referenceSpec(retention: nil), table, now: referenceNow).actions.isEmpty)
    }

    @Test("lowering premake never retires future partitions")
    func lowerPremake() {
        let table = snapshot(months(from: (2026, 6), through: (2028, 12)), defaultPartition: defaultName)
        for premake in [0, 1, 2, 4] {
            let plan = Planner.plan(referenceSpec(premake: premake), table, now: referenceNow)
            #expect(plan.actions.isEmpty, "premake \(premake)")
        }
        #expect(Planner.plan(referenceSpec(premake: 1), maintainedReferenceTable(), now: referenceNow).actions.isEmpty)
    }

    @Test("premake 0 covers only the current slot")
    func premakeZero() {
        let plan = Planner.plan(
            referenceSpec(premake: 0), snapshot([], defaultPartition: defaultName), now: referenceNow)
        #expect(plan.actions == [referenceCreates[0]])
    }

    @Test("partitions that would be retired at once are never created")
    func neverCreateRetired() {
        // Only an old partition survives nothing: the window starts at the current month.
        let plan = Planner.plan(
            referenceSpec(), snapshot([month(2026, 1)], defaultPartition: defaultName), now: referenceNow)
        #expect(plan.actions == referenceCreates + [retire(month(2026, 1))])

        // A survivor reaching back before the cutoff month: holes are filled from the cutoff's month only.
        let straddling = existing(
            "webhook_events_spring", .value(instant(2026, 3, 1)), .value(instant(2026, 6, 1)))
        let filled = Planner.plan(
            referenceSpec(), snapshot([straddling], defaultPartition: defaultName), now: referenceNow)
        #expect(filled.created.first?.range == range(instant(2026, 6, 1), instant(2026, 7, 1)))
        #expect(filled.created.count == 10)  // Jun 2026 ... Mar 2027
        #expect(filled.retired.isEmpty)
    }

    @Test("with a retention shorter than the interval, uncovered pieces before the cutoff are not created")
    func retentionShorterThanInterval() {
        // Cutoff 2026-11-12T02:00Z lies in the current month; [Nov 1, Nov 5) would be retired at once.
        let spec = referenceSpec(retention: CalendarInterval(2, .week))
        let late = existing("webhook_events_late_nov", .value(instant(2026, 11, 5)), .value(instant(2026, 12, 1)))
        let table = snapshot([late], defaultPartition: defaultName)
        let plan = Planner.plan(spec, table, now: referenceNow)
        #expect(plan.actions == Array(referenceCreates[1...]))
        // Also after an earlier piece of the current month was retired.
        let early = existing("webhook_events_early_nov", .value(instant(2026, 11, 1)), .value(instant(2026, 11, 5)))
        let withEarly = snapshot([early, late], defaultPartition: defaultName)
        let retiring = Planner.plan(spec, withEarly, now: referenceNow)
        #expect(retiring.actions == Array(referenceCreates[1...]) + [retire(early)])
        #expect(Planner.plan(spec, apply(retiring, to: withEarly), now: referenceNow).actions.isEmpty)
    }
}

@Suite("Planner: gaps and adoption")
struct PlannerGapTests {
    @Test("a gap between partitions inside the window is filled")
    func gapInsideWindow() {
        let table = snapshot(
            [month(2026, 11), month(2026, 12), month(2027, 2), month(2027, 3)], defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(), table, now: referenceNow)
        #expect(plan.actions == [referenceCreates[2]])
        #expect(plan.findings.isEmpty)
    }

    @Test("a gap between partitions in the past but after the cutoff is filled")
    func gapInsideRetention() {
        let table = snapshot(
            [month(2026, 6), month(2026, 9)] + months(from: (2026, 11), through: (2027, 3)),
            defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(), table, now: referenceNow)
        #expect(
            plan.actions == [
                create("webhook_events_p20260701", instant(2026, 7, 1), instant(2026, 8, 1)),
                create("webhook_events_p20260801", instant(2026, 8, 1), instant(2026, 9, 1)),
                create("webhook_events_p20261001", instant(2026, 10, 1), instant(2026, 11, 1)),
            ])
    }

    @Test("a hole between partitions that are retired leaves nothing to report")
    func gapBeforeWindow() {
        let partitions =
            [month(2026, 2), month(2026, 4), month(2026, 5), month(2026, 6)]
            + months(from: (2026, 8), through: (2027, 3))
        let plan = Planner.plan(referenceSpec(), snapshot(partitions, defaultPartition: defaultName), now: referenceNow)
        #expect(
            plan.actions == [
                create("webhook_events_p20260701", instant(2026, 7, 1), instant(2026, 8, 1)),
                retire(month(2026, 2)), retire(month(2026, 4)),
            ])
        #expect(plan.findings.isEmpty)
    }

    @Test("partitions with pg_partman 4 names are adopted by their bounds")
    func adoptsPartman4Names() {
        let partman4 = [(2026, 11, "2026_11"), (2026, 12, "2026_12"), (2027, 1, "2027_01")].map { year, m, suffix in
            existing("webhook_events_p\(suffix)", month(year, m).range.lower, month(year, m).range.upper)
        }
        let plan = Planner.plan(referenceSpec(), snapshot(partman4, defaultPartition: defaultName), now: referenceNow)
        #expect(plan.actions == [referenceCreates[3], referenceCreates[4]])
    }

    @Test("hand-made half-month partitions: only the uncovered pieces are created")
    func adoptsHalfMonths() {
        let firstHalf = existing(
            "webhook_events_2026_11_a", .value(instant(2026, 11, 1)), .value(instant(2026, 11, 16)))
        let secondHalf = existing(
            "webhook_events_2026_12_b", .value(instant(2026, 12, 16)), .value(instant(2027, 1, 1)))
        let table = snapshot([firstHalf, secondHalf], defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(), table, now: referenceNow)
        #expect(
            plan.actions == [
                create("webhook_events_p20261116", instant(2026, 11, 16), instant(2026, 12, 1)),
                create("webhook_events_p20261201", instant(2026, 12, 1), instant(2026, 12, 16)),
                referenceCreates[2], referenceCreates[3], referenceCreates[4],
            ])
        let applied = apply(plan, to: table)
        expectNoOverlap(applied)
        #expect(applied.gaps.isEmpty)
        #expect(Planner.plan(referenceSpec(), applied, now: referenceNow).actions.isEmpty)
    }

    @Test("nothing is created after a MAXVALUE partition")
    func maxValue() {
        let tail = existing("webhook_events_tail", .value(instant(2026, 12, 1)), .maxValue)
        let table = snapshot([month(2026, 11), tail], defaultPartition: defaultName)
        #expect(Planner.plan(referenceSpec(), table, now: referenceNow).actions.isEmpty)

        let midJanuary = existing("webhook_events_rest", .value(instant(2027, 1, 15)), .maxValue)
        let plan = Planner.plan(
            referenceSpec(), snapshot([midJanuary], defaultPartition: defaultName), now: referenceNow)
        #expect(
            plan.actions == [
                referenceCreates[0], referenceCreates[1],
                create("webhook_events_p20270101", instant(2027, 1, 1), instant(2027, 1, 15)),
            ])
    }

    @Test(
        "a MINVALUE partition is retired only when its upper bound is at or before the cutoff",
        arguments: [(instant(2026, 5, 1), true), (instant(2026, 5, 26, 2), true), (instant(2026, 6, 1), false)])
    func minValueRetention(upper: Date, retired: Bool) {
        let head = existing("webhook_events_head", .minValue, .value(upper))
        let table = snapshot([head] + months(from: (2026, 11), through: (2027, 3)), defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(), table, now: referenceNow)
        #expect(plan.retired.map(\.name) == (retired ? [head.name] : []))
        #expect(plan.retired.allSatisfy { $0.range.lower == .minValue })
        // A surviving head is followed without gaps up to the window.
        if !retired {
            #expect(plan.created.first?.range.lower == .value(upper))
            #expect(plan.created.last?.range.upper == .value(instant(2026, 11, 1)))
        }
    }

    @Test("the window is still made after a MINVALUE partition when there is no retention")
    func minValueWithoutRetention() {
        let head = existing("webhook_events_head", .minValue, .value(instant(2026, 12, 1)))
        let plan = Planner.plan(
            referenceSpec(retention: nil), snapshot([head], defaultPartition: defaultName), now: referenceNow)
        #expect(plan.actions == Array(referenceCreates[1...]))

        // An older head: every month from its end up to the window is filled.
        let oldHead = existing("webhook_events_head", .minValue, .value(instant(2026, 1, 1)))
        let filled = Planner.plan(
            referenceSpec(retention: nil), snapshot([oldHead], defaultPartition: defaultName), now: referenceNow)
        #expect(filled.created.count == 15)  // Jan 2026 ... Mar 2027
        #expect(filled.created.first?.range == range(instant(2026, 1, 1), instant(2026, 2, 1)))
        #expect(filled.created.last?.range == range(instant(2027, 3, 1), instant(2027, 4, 1)))
    }

    @Test("a single MINVALUE..MAXVALUE partition needs nothing")
    func everything() {
        let all = existing("webhook_events_all", .minValue, .maxValue)
        for retention in [nil, CalendarInterval(6, .month)] {
            let plan = Planner.plan(
                referenceSpec(retention: retention), snapshot([all], defaultPartition: defaultName), now: referenceNow)
            #expect(plan.actions.isEmpty)
        }
    }
}

@Suite("Planner: default partition, pending detach, names, key types")
struct PlannerMiscTests {
    @Test(
        "default partition: created when missing and wanted, kept with a finding when unwanted",
        arguments: [(true, true), (true, false), (false, true), (false, false)])
    func defaultPartition(exists: Bool, wanted: Bool) {
        let table = snapshot(months(from: (2026, 11), through: (2027, 3)), defaultPartition: exists ? defaultName : nil)
        let plan = Planner.plan(referenceSpec(defaultPartition: wanted), table, now: referenceNow)
        #expect(plan.actions == (!exists && wanted ? [.createDefaultPartition(defaultName)] : []))
        #expect(plan.findings == (exists && !wanted ? [.unwantedDefaultPartition(defaultName)] : []))
    }

    @Test("the default partition is never retired")
    func defaultNeverRetired() {
        let table = snapshot(
            [month(2025, 1)], defaultPartition: defaultName,
            defaultRows: DefaultRows(count: 10, oldest: instant(2020, 1, 1), newest: instant(2020, 2, 1)))
        let plan = Planner.plan(referenceSpec(retention: CalendarInterval(1, .day)), table, now: referenceNow)
        #expect(!plan.actions.contains { $0.partition == defaultName })
        #expect(plan.retired.map(\.name) == [month(2025, 1).name])
    }

    @Test("rows in the default partition are reported")
    func defaultRows() {
        let rows = DefaultRows(count: 2, oldest: instant(2027, 6, 1), newest: instant(2027, 7, 1))
        let table = snapshot(
            months(from: (2026, 11), through: (2027, 3)), defaultPartition: defaultName, defaultRows: rows)
        let plan = Planner.plan(referenceSpec(), table, now: referenceNow)
        #expect(plan.actions.isEmpty)
        #expect(plan.findings == [.defaultRows(rows)])
        let empty = snapshot(
            months(from: (2026, 11), through: (2027, 3)), defaultPartition: defaultName,
            defaultRows: DefaultRows(count: 0, oldest: nil, newest: nil))
        #expect(Planner.plan(referenceSpec(), empty, now: referenceNow).findings.isEmpty)
    }

    @Test("a pending-detach partition past retention is retired with finishPendingDetach")
    func pendingDetachDue() {
        let pending = month(2026, 1, detachPending: true)
        let table = snapshot([pending] + months(from: (2026, 2), through: (2027, 3)), defaultPartition: defaultName)
        let plan = Planner.plan(referenceSpec(retentionAction: .detach), table, now: referenceNow)
        #expect(
            plan.actions == [
                retire(pending, .detach, finishPendingDetach: true), retire(month(2026, 2), .detach),
                retire(month(2026, 3), .detach), retire(month(2026, 4), .detach),
            ])
        #expect(plan.findings.isEmpty)
        #expect(
            plan.actions[0].description.hasPrefix("finish pending detach, then detach public.webhook_events_p20260101"))
    }

    @Test("a pending-detach partition not past retention is a finding and still covers its range")
    func pendingDetachNotDue() {
        let pending = month(2026, 12, detachPending: true)
        let table = snapshot(
            [month(2026, 11), pending] + months(from: (2027, 1), through: (2027, 3)), defaultPartition: defaultName)
        for retention in [nil, CalendarInterval(6, .month)] {
            let plan = Planner.plan(referenceSpec(retention: retention), table, now: referenceNow)
            #expect(plan.actions.isEmpty)
            #expect(plan.findings == [.pendingDetachNotDue(pending.name)])
        }
    }

    @Test("a name taken by a partition with other bounds gets _1")
    func nameCollision() {
        // A misnamed partition holding November under December's name.
        let misnamed = existing("webhook_events_p20261201", .value(instant(2026, 11, 1)), .value(instant(2026, 12, 1)))
        let plan = Planner.plan(referenceSpec(), snapshot([misnamed], defaultPartition: defaultName), now: referenceNow)
        #expect(
            plan.actions == [
                create("webhook_events_p20261201_1", instant(2026, 12, 1), instant(2027, 1, 1)),
                referenceCreates[2], referenceCreates[3], referenceCreates[4],
            ])
    }

    @Test("a default-partition name taken by another partition gets _1")
    func defaultNameCollision() {
        let squatter = existing("webhook_events_default", .value(instant(2026, 11, 1)), .value(instant(2026, 12, 1)))
        let plan = Planner.plan(
            referenceSpec(), snapshot([squatter] + months(from: (2026, 12), through: (2027, 3))), now: referenceNow)
        #expect(plan.actions == [.createDefaultPartition(name("webhook_events_default_1"))])
    }

    @Test("a name taken by the default partition gets _1")
    func takenByDefault() {
        let oddDefault = name("webhook_events_p20270301")
        let plan = Planner.plan(
            referenceSpec(), snapshot(months(from: (2026, 11), through: (2027, 2)), defaultPartition: oddDefault),
            now: referenceNow)
        #expect(plan.actions == [create("webhook_events_p20270301_1", instant(2027, 3, 1), instant(2027, 4, 1))])
    }

    @Test("collisions with a long parent name keep the date suffix whole")
    func longNameCollision() {
        let parentName = String(repeating: "e", count: 60)
        let parent = QualifiedName(schema: "public", name: parentName)
        let spec = TableSpec(
            parent: parent, column: "received_at", interval: CalendarInterval(1, .month), premake: 0,
            defaultPartition: false)
        let squatter = existing(
            String(repeating: "e", count: 53) + "_p20261101", .value(instant(2027, 6, 1)), .value(instant(2027, 7, 1)))
        let plan = Planner.plan(spec, snapshot([squatter], parent: parent), now: referenceNow)
        let expected = String(repeating: "e", count: 51) + "_p20261101_1"
        #expect(plan.created.map(\.name.name) == [expected])
        #expect(expected.utf8.count == 63)
    }

    @Test("partitions are created in the parent's schema")
    func schema() {
        let parent = QualifiedName(schema: "app", name: "events")
        let spec = TableSpec(parent: parent, column: "at", interval: CalendarInterval(1, .month), premake: 1)
        let plan = Planner.plan(spec, snapshot([], parent: parent), now: referenceNow)
        #expect(
            plan.actions.map(\.partition) == [
                name("events_p20261101", schema: "app"), name("events_p20261201", schema: "app"),
                name("events_default", schema: "app"),
            ])
        #expect(plan.table == parent)
    }

    @Test("timestamptz keys use the configured zone for bounds and names")
    func timestamptzInZone() {
        let plan = Planner.plan(referenceSpec(timeZone: "Europe/Paris"), snapshot([]), now: referenceNow)
        #expect(
            plan.created.map(\.name.name) == [
                "webhook_events_p20261101", "webhook_events_p20261201", "webhook_events_p20270101",
                "webhook_events_p20270201", "webhook_events_p20270301",
            ])
        #expect(plan.created.first?.range.lower == .value(iso("2026-10-31T23:00:00Z")))
        #expect(plan.created.last?.range == range(iso("2027-02-28T23:00:00Z"), iso("2027-03-31T22:00:00Z")))
        #expect(plan.findings.isEmpty)
    }

    @Test(
        "timestamp and date keys use UTC wall-clock bounds whatever the zone, with a finding",
        arguments: [PartitionKeyType.timestamp, .date])
    func wallClockKeys(keyType: PartitionKeyType) {
        let plan = Planner.plan(
            referenceSpec(timeZone: "Europe/Paris"), snapshot([], keyType: keyType), now: referenceNow)
        #expect(plan.actions == referenceCreates + [.createDefaultPartition(defaultName)])
        #expect(plan.findings == [.timeZoneIgnored(keyType)])
        // The retention cutoff is taken on the same UTC wall clock: April ends on May 1, before 2026-05-26T02:00.
        let table = snapshot([month(2026, 4), month(2026, 5)], keyType: keyType, defaultPartition: defaultName)
        let retention = Planner.plan(referenceSpec(timeZone: "America/New_York"), table, now: referenceNow)
        #expect(retention.retired.map(\.name) == [month(2026, 4).name])
        // No finding when the zone is UTC anyway.
        #expect(Planner.plan(referenceSpec(), snapshot([], keyType: keyType), now: referenceNow).findings.isEmpty)
    }

    @Test("hourly partitions in Paris on the autumn DST change are named on the wall clock, repeats get _1")
    func hourlyAcrossDST() {
        let spec = TableSpec(
            parent: webhookEvents, column: "received_at", interval: CalendarInterval(1, .hour), premake: 3,
            defaultPartition: false, timeZone: zone("Europe/Paris"))
        // 00:30Z is 02:30 CEST; at 01:00Z clocks go back from 03:00 CEST to 02:00 CET.
        let plan = Planner.plan(spec, snapshot([]), now: iso("2026-10-25T00:30:00Z"))
        #expect(
            plan.actions == [
                create("webhook_events_p20261025_020000", iso("2026-10-25T00:00:00Z"), iso("2026-10-25T01:00:00Z")),
                create("webhook_events_p20261025_020000_1", iso("2026-10-25T01:00:00Z"), iso("2026-10-25T02:00:00Z")),
                create("webhook_events_p20261025_030000", iso("2026-10-25T02:00:00Z"), iso("2026-10-25T03:00:00Z")),
                create("webhook_events_p20261025_040000", iso("2026-10-25T03:00:00Z"), iso("2026-10-25T04:00:00Z")),
            ])
    }
}
