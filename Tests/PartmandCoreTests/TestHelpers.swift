import Foundation
import PartmandTime
import Testing

@testable import PartmandCore

// MARK: - Instants and zones

/// A time zone that must exist in the system's tz database.
func zone(_ identifier: String) -> Zone {
    guard let zone = Zone(identifier: identifier) else { fatalError("unknown time zone \(identifier)") }
    return zone
}

/// The same zone in Foundation (ICU's copy of the tz database), for oracles.
func foundationZone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { fatalError("unknown time zone \(identifier)") }
    return zone
}

let utcZone = Zone.utc

/// The instant at the given wall-clock time in `timeZone` (UTC by default).
func instant(
    _ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0,
    in timeZone: String = "UTC"
) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = foundationZone(timeZone)
    let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    guard let date = calendar.date(from: components) else { fatalError("invalid date \(components)") }
    return date
}

/// Parses `2026-11-01T00:00:00Z`.
func iso(_ text: String) -> Date {
    do {
        return try Date.ISO8601FormatStyle().parse(text)
    } catch {
        fatalError("not an ISO-8601 instant: \(text)")
    }
}

/// A parsed interval (the test fails loudly on a typo).
func interval(_ text: String) -> CalendarInterval {
    guard let interval = CalendarInterval(parsing: text) else { fatalError("invalid interval \(text)") }
    return interval
}

func calendar(_ intervalText: String, _ timeZone: String = "UTC") -> PartitionCalendar {
    PartitionCalendar(interval: interval(intervalText), timeZone: zone(timeZone))
}

func range(_ lower: Date, _ upper: Date) -> PartitionRange {
    PartitionRange(from: lower, to: upper)
}

// MARK: - The reference deployment

let webhookEvents = QualifiedName(schema: "public", name: "webhook_events")

/// `public.webhook_events`, monthly on `received_at` (timestamptz), premake 4, retention 6 months, UTC.
func referenceSpec(
    premake: Int = 4, retention: CalendarInterval? = CalendarInterval(6, .month),
    retentionAction: RetentionAction = .drop, defaultPartition: Bool = true, timeZone: String = "UTC"
) -> TableSpec {
    TableSpec(
        parent: webhookEvents, column: "received_at", interval: CalendarInterval(1, .month), premake: premake,
        retention: retention, retentionAction: retentionAction, defaultPartition: defaultPartition,
        timeZone: zone(timeZone))
}

/// The daily maintenance run of the reference deployment: 2026-11-26 02:00 UTC.
let referenceNow = instant(2026, 11, 26, 2)

func snapshot(
    _ partitions: [ExistingPartition], keyType: PartitionKeyType = .timestamptz,
    defaultPartition: QualifiedName? = nil, defaultRows: DefaultRows? = nil, parent: QualifiedName = webhookEvents
) -> TableSnapshot {
    TableSnapshot(
        parent: parent, keyColumn: "received_at", keyType: keyType, partitions: partitions,
        defaultPartition: defaultPartition, defaultRows: defaultRows)
}

/// An existing partition of `public.webhook_events`.
func existing(_ name: String, _ lower: RangeBound, _ upper: RangeBound, detachPending: Bool = false)
    -> ExistingPartition
{
    ExistingPartition(
        name: QualifiedName(schema: "public", name: name), range: PartitionRange(lower: lower, upper: upper),
        detachPending: detachPending)
}

/// An existing UTC calendar-month partition named the pg_partman 5 way.
func month(_ year: Int, _ month: Int, detachPending: Bool = false) -> ExistingPartition {
    let lower = instant(year, month, 1)
    let upper = month == 12 ? instant(year + 1, 1, 1) : instant(year, month + 1, 1)
    let name = "webhook_events_p\(year)\(month < 10 ? "0" : "")\(month)01"
    return existing(name, .value(lower), .value(upper), detachPending: detachPending)
}

/// UTC calendar-month partitions from (year, month) through (toYear, toMonth) inclusive.
func months(from start: (Int, Int), through end: (Int, Int)) -> [ExistingPartition] {
    var result: [ExistingPartition] = []
    var (year, month) = start
    while (year, month) <= end {
        result.append(PartmandCoreTests.month(year, month))
        (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
    }
    return result
}

let defaultName = QualifiedName(schema: "public", name: "webhook_events_default")

// MARK: - Reading and applying plans

extension MaintenancePlan {
    var created: [NewPartition] {
        actions.compactMap { if case .createPartition(let new) = $0 { new } else { nil } }
    }

    var retired: [RetiredPartition] {
        actions.compactMap { if case .retirePartition(let retired) = $0 { retired } else { nil } }
    }

    var createdDefault: QualifiedName? {
        actions.lazy.compactMap { if case .createDefaultPartition(let name) = $0 { name } else { nil } }.first
    }
}

/// The snapshot as it would be read after the executor carried out `plan` on `snapshot`.
func apply(_ plan: MaintenancePlan, to snapshot: TableSnapshot) -> TableSnapshot {
    var partitions = snapshot.partitions
    var defaultPartition = snapshot.defaultPartition
    for action in plan.actions {
        switch action {
        case .createPartition(let new):
            partitions.append(ExistingPartition(name: new.name, range: new.range))
        case .createDefaultPartition(let name):
            defaultPartition = name
        case .retirePartition(let retired):
            partitions.removeAll { $0.name == retired.name }
        case .finishRetirement:
            break  // the table is no longer a partition; the record goes (see the returned snapshot)
        case .convertToColumnar(let converted):
            if let index = partitions.firstIndex(where: { $0.name == converted.name }) {
                partitions[index].accessMethod = ExistingPartition.columnar
            }
        case .finishConversion(let unfinished):
            partitions.removeAll { $0.name == unfinished.name }
            if unfinished.state != .gone {
                partitions.append(
                    ExistingPartition(
                        name: unfinished.name, range: unfinished.range, accessMethod: ExistingPartition.columnar))
            }
        }
    }
    return TableSnapshot(
        parent: snapshot.parent, keyColumn: snapshot.keyColumn, keyType: snapshot.keyType, partitions: partitions,
        defaultPartition: defaultPartition, defaultRows: snapshot.defaultRows)
}

// MARK: - Deterministic pseudo-random numbers

/// Seeded random choices for property tests.
typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }

    mutating func pick<T>(_ values: [T]) -> T {
        values[Int.random(in: 0..<values.count, using: &self)]
    }
}

extension TableSnapshot {
    /// Holes between consecutive partitions (for assertions about coverage).
    var gaps: [PartitionRange] {
        zip(partitions, partitions.dropFirst()).compactMap { previous, next in
            previous.range.upper < next.range.lower
                ? PartitionRange(lower: previous.range.upper, upper: next.range.lower) : nil
        }
    }
}

/// The name the planner gives a new child whose lower bound is `lowerBound` when no other table has it.
func newChildName(parent: String, lowerBound: Date, calendar: PartitionCalendar) -> String {
    PartitionNaming.unique(
        parent: parent, suffix: PartitionNaming.childSuffix(lowerBound: lowerBound, calendar: calendar), taken: [])
}
