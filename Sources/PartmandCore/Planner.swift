import Foundation
import PartmandTime

/// Decides what a maintenance pass should change for one table. Pure: same inputs, same plan.
///
/// Rules:
/// - the slot holding `now` and the `premake` slots after it must be covered;
/// - holes between the earliest surviving partition and that window are filled, but never before the
///   retention cutoff (a partition that would be retired at once is not created);
/// - uncovered parts of a slot are created, so partitions made by hand or by pg_partman with other
///   bounds are adopted as they are and never overlapped;
/// - a partition is retired only when its upper bound is at or before `now − retention`, so nothing
///   in the future is ever retired; the default partition is never retired;
/// - a missing default partition is created when wanted; an unwanted one is kept and reported;
/// - with `columnar_after`, a partition whose upper bound is at or before `now − columnar_after`, not
///   columnar yet, not being retired and not pending detach, is converted to columnar, oldest first;
/// - a columnar conversion an earlier pass recorded and did not finish is finished first; while its
///   partition is detached, its range and name count as taken;
/// - a retirement an earlier pass recorded and did not finish is finished first, as recorded: a
///   detached table is dropped or archived, a pending detach is finalized and then disposed of; a
///   record whose table is gone, or whose partition was never detached, is forgotten (that partition
///   is then judged like any other). Each one is also reported as a finding until it is done.
public enum Planner {
    public static func plan(_ spec: TableSpec, _ snapshot: TableSnapshot, now: Date) -> MaintenancePlan {
        let utc = Zone.utc
        let zone = snapshot.keyType == .timestamptz ? spec.timeZone : utc
        let calendar = PartitionCalendar(interval: spec.interval, timeZone: zone)
        var findings: [Finding] = []
        if snapshot.keyType != .timestamptz && spec.timeZone != utc {
            findings.append(.timeZoneIgnored(snapshot.keyType))
        }

        let cutoff = spec.retention.map { calendar.instant(now, minus: $0) }
        let retired = snapshot.partitions.filter { partition in
            cutoff.map(partition.range.endsBy) ?? false
        }
        var resumed: [QualifiedName: UnfinishedRetirement] = [:]
        for unfinished in snapshot.unfinishedRetirements {
            findings.append(.unfinishedRetirement(unfinished))
            if unfinished.state == .detachPending { resumed[unfinished.name] = unfinished }
        }
        let pending = snapshot.partitions.filter(\.detachPending)
        for partition in pending where !retired.contains(partition) && resumed[partition.name] == nil {
            findings.append(.pendingDetachNotDue(partition.name))
        }
        let finishing: [MaintenanceAction] =
            snapshot.unfinishedRetirements
            .filter { $0.state != .detachPending }
            .map(MaintenanceAction.finishRetirement)
            + snapshot.unfinishedConversions.map(MaintenanceAction.finishConversion)
        findings += snapshot.unfinishedConversions.map(Finding.unfinishedConversion)

        let creates = partitionsToCreate(spec, snapshot, calendar: calendar, now: now, cutoff: cutoff)

        var actions = creates.map(MaintenanceAction.createPartition)
        var taken = Set(
            snapshot.partitions.map(\.name.name) + creates.map(\.name.name)
                + snapshot.unfinishedConversions.map(\.name.name))
        if let defaultPartition = snapshot.defaultPartition {
            taken.insert(defaultPartition.name)
            if !spec.defaultPartition { findings.append(.unwantedDefaultPartition(defaultPartition)) }
        } else if spec.defaultPartition {
            let name = PartitionNaming.unique(parent: spec.parent.name, suffix: "_default", taken: taken)
            actions.append(.createDefaultPartition(QualifiedName(schema: spec.parent.schema, name: name)))
        }
        if let rows = snapshot.defaultRows, rows.count > 0 { findings.append(.defaultRows(rows)) }

        let resumedPending = pending.filter { resumed[$0.name] != nil && !retired.contains($0) }
        actions += (retired + resumedPending).map { partition in
            .retirePartition(
                RetiredPartition(
                    name: partition.name, range: partition.range,
                    action: resumed[partition.name]?.action ?? spec.retentionAction,
                    finishPendingDetach: partition.detachPending))
        }
        let columnarCutoff = spec.columnarAfter.map { calendar.instant(now, minus: $0) }
        let leaving = Set((retired + resumedPending).map(\.name) + snapshot.unfinishedConversions.map(\.name))
        actions += snapshot.partitions.filter { partition in
            guard let columnarCutoff, partition.range.endsBy(columnarCutoff) else { return false }
            return partition.accessMethod != ExistingPartition.columnar && !partition.detachPending
                && !leaving.contains(partition.name)
        }.map(MaintenanceAction.convertToColumnar)
        return MaintenancePlan(table: spec.parent, actions: finishing + actions, findings: findings)
    }

    private static func partitionsToCreate(
        _ spec: TableSpec, _ snapshot: TableSnapshot, calendar: PartitionCalendar, now: Date, cutoff: Date?
    ) -> [NewPartition] {
        let currentSlot = calendar.slot(containing: now)
        let windowEnd = RangeBound.value(calendar.boundary(ofSlot: currentSlot + spec.premake + 1))
        let survivors = snapshot.partitions.filter { partition in
            !(cutoff.map(partition.range.endsBy) ?? false)
        }
        var windowStart = RangeBound.value(calendar.boundary(ofSlot: currentSlot))
        if let earliest = survivors.first?.range.lower, earliest < windowStart {
            windowStart = earliest
            if let cutoff {
                windowStart = max(windowStart, .value(calendar.boundary(ofSlot: calendar.slot(containing: cutoff))))
            }
        }
        // A MINVALUE partition starting the window covers everything up to its upper bound.
        guard let startDate = windowStart.date ?? survivors.first?.range.upper.date else {
            return []  // it reaches MAXVALUE: nothing to make
        }

        // A partition detached for its columnar conversion still owns its range and its name.
        let converting = snapshot.unfinishedConversions.filter { $0.state == .detached }
        let existing = snapshot.partitions.map(\.range) + converting.map(\.range)
        var taken = Set(snapshot.partitions.map(\.name.name) + converting.map(\.name.name))
        if let defaultPartition = snapshot.defaultPartition { taken.insert(defaultPartition.name) }
        var created: [NewPartition] = []
        var slot = calendar.slot(containing: startDate)
        while true {
            var slotRange = calendar.range(ofSlot: slot)
            if slotRange.lower >= windowEnd { break }
            slotRange.lower = max(slotRange.lower, windowStart)
            // A piece ending at or before the cutoff would be retired at once (possible when the cutoff lies
            // in the current slot, i.e. retention is shorter than the interval).
            for piece in slotRange.subtracting(existing) where !(cutoff.map(piece.endsBy) ?? false) {
                let suffix = PartitionNaming.childSuffix(lowerBound: piece.lower.date!, calendar: calendar)
                let name = PartitionNaming.unique(parent: spec.parent.name, suffix: suffix, taken: taken)
                taken.insert(name)
                created.append(NewPartition(name: QualifiedName(schema: spec.parent.schema, name: name), range: piece))
            }
            slot += 1
        }
        return created
    }

}
