import Foundation
import Testing

@testable import PartmandCore

@Suite("Planner: columnar_after")
struct PlannerColumnarTests {
    /// The reference spec converting partitions older than three months.
    private func columnarSpec() -> TableSpec {
        var spec = referenceSpec()
        spec.columnarAfter = CalendarInterval(3, .month)
        return spec
    }

    private func conversions(_ plan: MaintenancePlan) -> [QualifiedName] {
        plan.actions.compactMap { if case .convertToColumnar(let partition) = $0 { partition.name } else { nil } }
    }

    @Test("converts partitions ending at or before now − columnar_after, after retiring the older ones")
    func convertsOldPartitions() {
        // Cutoffs on 2026-11-26 02:00: retention 2026-05-26, columnar 2026-08-26. January–April are retired;
        // May, June and July (ending by August 1) are converted; August ends on September 1 and stays heap.
        let partitions = months(from: (2026, 1), through: (2027, 3))
        let plan = Planner.plan(columnarSpec(), snapshot(partitions, defaultPartition: defaultName), now: referenceNow)
        #expect(plan.retired.map(\.name.name) == (1...4).map { "webhook_events_p20260\($0)01" })
        #expect(conversions(plan).map(\.name) == (5...7).map { "webhook_events_p20260\($0)01" })
        // Conversions come after every other action.
        let firstConversion = plan.actions.firstIndex { $0.kind == "columnar" }!
        #expect(plan.actions[firstConversion...].allSatisfy { $0.kind == "columnar" })
    }

    @Test("a partition already columnar, or pending detach, is left alone; without columnar_after nothing converts")
    func leavesColumnarAndPendingAlone() {
        var partitions = months(from: (2026, 5), through: (2027, 3))
        partitions[0].accessMethod = ExistingPartition.columnar
        partitions[1].detachPending = true
        let table = snapshot(partitions, defaultPartition: defaultName)
        let plan = Planner.plan(columnarSpec(), table, now: referenceNow)
        #expect(conversions(plan).map(\.name) == ["webhook_events_p20260701"])
        #expect(plan.findings.contains(.pendingDetachNotDue(partitions[1].name)))
        #expect(conversions(Planner.plan(referenceSpec(), table, now: referenceNow)).isEmpty)
    }

    @Test("once applied, the plan converts nothing more, and conversions never retire or create anything")
    func convergesAndIsNotARetirement() {
        let table = snapshot(months(from: (2026, 5), through: (2027, 3)), defaultPartition: defaultName)
        let plan = Planner.plan(columnarSpec(), table, now: referenceNow)
        #expect(!plan.actions.isEmpty && plan.actions.allSatisfy { !$0.isRetirement && !$0.isCreation })
        #expect(Planner.plan(columnarSpec(), apply(plan, to: table), now: referenceNow).actions.isEmpty)
        #expect(plan.actions[0].description.hasPrefix("convert public.webhook_events_p20260501 "))
    }
}

@Suite("Planner: unfinished columnar conversions")
struct PlannerUnfinishedConversionTests {
    @Test("a partition detached for its conversion keeps its range and name; its conversion is finished first")
    func detachedConversionIsFinishedFirstAndNotRecreated() {
        var partitions = months(from: (2026, 5), through: (2027, 3))
        let july = partitions.remove(at: 2)
        let unfinished = UnfinishedConversion(
            name: july.name, range: july.range, state: .detached, accessMethod: "columnar", since: referenceNow)
        var table = snapshot(partitions, defaultPartition: defaultName)
        table.unfinishedConversions = [unfinished]
        var spec = referenceSpec()
        spec.columnarAfter = CalendarInterval(3, .month)
        let plan = Planner.plan(spec, table, now: referenceNow)
        #expect(plan.actions.first == .finishConversion(unfinished))
        #expect(plan.created.isEmpty, "July's range is taken while it is detached")
        #expect(plan.findings.contains(.unfinishedConversion(unfinished)))
        // May and June are converted as usual, July is not converted a second time.
        #expect(
            plan.actions.dropFirst().map(\.partition.name) == ["webhook_events_p20260501", "webhook_events_p20260601"])
    }
}
