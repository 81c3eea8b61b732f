import Foundation
import PartmandCore
import PartmandMigration
import PartmandTime
import Testing

// MARK: - Helpers

/// Parses `2026-11-26T02:00:00Z`.
private func iso(_ text: String) -> Date {
    try! Date(text, strategy: .iso8601)
}

private func spec(
    _ table: String = "events", column: String = "received_at", interval: String = "monthly", premake: Int = 4,
    defaultPartition: Bool = true, timeZone: String = "UTC"
) -> TableSpec {
    TableSpec(
        parent: QualifiedName(schema: "public", name: table), column: column,
        interval: CalendarInterval(parsing: interval)!, premake: premake, defaultPartition: defaultPartition,
        timeZone: Zone(identifier: timeZone)!)
}

/// A plain table with nothing in the way: a `NOT NULL timestamptz` column, rows up to a day before now.
private func plainTable(newest: Date? = iso("2026-11-25T00:00:00Z")) -> MigrationFacts {
    var facts = MigrationFacts(relkind: "r")
    facts.owner = "app"
    facts.column = MigrationColumnFacts(type: "timestamp with time zone")
    facts.newest = newest
    return facts
}

/// Mid-period for a monthly table: far from the cutoff (2026-12-01).
private let now = iso("2026-11-26T02:00:00Z")

private func refusals(_ verdict: MigrationVerdict) -> [String: String] {
    Dictionary(uniqueKeysWithValues: verdict.checks.compactMap { check in check.refusal.map { (check.name, $0) } })
}

/// The checks of a plain table whose column is usable, in order.
private let everyCheck = [
    "plain table", "permanent table", "not a typed table", "owned by partmand's role", "no row-level security",
    "column received_at is timestamptz, timestamp or date", "no NULL in received_at", "identity columns ascend",
    "no column privileges", "no foreign keys referencing it", "no foreign keys of its own", "no exclusion constraints",
    "no views depending on it", "no rules", "no triggers", "no inheritance", "not in a publication",
    "every unique index and primary key includes received_at", "no invalid indexes", "not too close to the cutoff",
    "no rows at or after the cutoff 2026-12-01T00:00:00Z", "events_history is free", "partition names are free",
]

// MARK: - Violations, one rule each

/// One fact that breaks exactly one rule: the check it fails and a fragment of the refusal.
struct Violation: Sendable, CustomStringConvertible {
    let check: String
    let says: String
    let apply: @Sendable (inout MigrationFacts) -> Void

    var description: String { check }
}

private let violations: [Violation] = [
    Violation(check: "permanent table", says: "public.events is unlogged or temporary") { $0.permanent = false },
    Violation(check: "not a typed table", says: "public.events is a typed table (OF type)") { $0.typed = true },
    Violation(
        check: "owned by partmand's role",
        says: "public.events is owned by app; partmand's role must own it (or be a member of the owner)"
    ) { $0.mayAlter = false },
    Violation(check: "no row-level security", says: "row-level security enabled") { $0.rowSecurity = true },
    Violation(
        check: "column received_at is timestamptz, timestamp or date",
        says: "column received_at of public.events has type text; partmand partitions on"
    ) { $0.column?.type = "text" },
    Violation(
        check: "column received_at is timestamptz, timestamp or date",
        says: "has type timestamp with time zone and is generated"
    ) { $0.column?.generated = true },
    Violation(check: "no NULL in received_at", says: "public.events.received_at holds NULLs") {
        $0.column?.holdsNulls = true
    },
    Violation(check: "identity columns ascend", says: "identity column(s) other count downwards") {
        $0.identityColumns = [.init(column: "id"), .init(column: "other", increment: -1)]
    },
    Violation(check: "no column privileges", says: "column privileges on payload are not copied") {
        $0.columnPrivileges = ["payload"]
    },
    Violation(
        check: "no foreign keys referencing it",
        says: "foreign key(s) d_fkey (on public.d) reference public.events; they would keep referencing"
    ) { $0.referencingForeignKeys = ["d_fkey (on public.d)"] },
    Violation(check: "no foreign keys of its own", says: "foreign key(s) events_o_fkey are not copied") {
        $0.foreignKeys = ["events_o_fkey"]
    },
    Violation(check: "no exclusion constraints", says: "exclusion constraint(s) x are not supported") {
        $0.exclusionConstraints = ["x"]
    },
    Violation(check: "no views depending on it", says: "view(s) public.recent depend on public.events") {
        $0.dependentViews = ["public.recent"]
    },
    Violation(check: "no rules", says: "rule(s) r1 on public.events are not copied") { $0.rules = ["r1"] },
    Violation(check: "no triggers", says: "trigger(s) t1, t2 are not copied") { $0.triggers = ["t1", "t2"] },
    Violation(check: "no inheritance", says: "public.events inherited by public.kid; partmand migrates stand-alone") {
        $0.inheritance = ["inherited by public.kid"]
    },
    Violation(check: "not in a publication", says: "public.events is in publication(s) pub") {
        $0.publications = ["pub"]
    },
    Violation(
        check: "every unique index and primary key includes received_at",
        says: "unique index(es) public.events_pkey do not include received_at"
    ) { $0.uniqueIndexesWithoutColumn = ["public.events_pkey"] },
    Violation(check: "no invalid indexes", says: "index(es) public.events_idx are invalid") {
        $0.invalidIndexes = ["public.events_idx"]
    },
    Violation(
        check: "no rows at or after the cutoff",
        says: "rows at or after 2026-12-01T00:00:00Z exist in public.events (newest 2027-02-03T00:00:00Z); "
            + "run migrate after 2027-02-01T00:00:00Z"
    ) { $0.newest = iso("2027-02-03T00:00:00Z") },
    Violation(check: "events_history is free", says: "public.events_history already exists") {
        $0.historyNameTaken = true
    },
    Violation(
        check: "events_partmand_new is a leftover of partmand",
        says: "public.events_partmand_new exists and is not a partitioned table"
    ) { $0.leftoverNewTableKind = "r" },
    Violation(check: "partition names are free", says: "table(s) \"public\".\"events_default\" already exist") {
        $0.takenPartitionNames = ["\"public\".\"events_default\""]
    },
]

// MARK: - Tests

@Suite struct MigrationRulesTests {
    @Test func plainTableWithNothingInTheWayPassesEveryCheckInOrder() {
        let verdict = MigrationRules.judge(spec(), plainTable(), now: now)

        #expect(!verdict.refused && !verdict.alreadyPartitioned)
        #expect(verdict.checks.map(\.name) == everyCheck)
        let layout = verdict.layout
        #expect(layout?.cutoff == iso("2026-12-01T00:00:00Z"))
        #expect(layout?.periodStart == iso("2026-11-01T00:00:00Z"))
        #expect(layout?.keyType == .timestamptz)
        #expect(layout?.historyTable == QualifiedName(schema: "public", name: "events_history"))
        #expect(layout?.newTable == QualifiedName(schema: "public", name: "events_partmand_new"))
        // The planner's window after the cutoff: premake 4 after the current month, then the default.
        #expect(
            layout?.partitionNames.map(\.name) == [
                "events_p20261201", "events_p20270101", "events_p20270201", "events_p20270301", "events_default",
            ])
        #expect(
            layout?.newPartitions.first?.range
                == PartitionRange(from: iso("2026-12-01T00:00:00Z"), to: iso("2027-01-01T00:00:00Z")))
    }

    @Test func missingTableIsRefusedWithOneCheck() {
        let verdict = MigrationRules.judge(spec(), MigrationFacts(relkind: nil), now: now)

        #expect(verdict.checks == [MigrationCheckResult(name: "table exists", refusal: "public.events does not exist")])
        #expect(verdict.refused && verdict.layout == nil)
    }

    @Test func partitionedTableHasNothingToDoAndNoChecks() {
        let verdict = MigrationRules.judge(spec(), MigrationFacts(relkind: "p"), now: now)

        #expect(verdict.alreadyPartitioned && verdict.checks.isEmpty && !verdict.refused && verdict.layout == nil)
    }

    @Test(arguments: [
        ("v", "a view"), ("m", "a materialized view"), ("f", "a foreign table"), ("S", "a sequence"),
        ("c", "not a table"),
    ])
    func otherRelationsAreRefusedAsNotPlainTables(relkind: String, called: String) {
        let verdict = MigrationRules.judge(spec(), MigrationFacts(relkind: relkind), now: now)

        #expect(
            verdict.checks == [
                MigrationCheckResult(name: "plain table", refusal: "public.events is \(called), not a plain table")
            ])
        #expect(verdict.layout == nil)
    }

    @Test(arguments: violations)
    func eachViolationFailsItsOwnCheckOnly(_ violation: Violation) {
        var facts = plainTable()
        violation.apply(&facts)

        let verdict = MigrationRules.judge(spec(), facts, now: now)

        let refused = refusals(verdict)
        #expect(Array(refused.keys) == [violation.check], "\(refused)")
        #expect(refused[violation.check]?.contains(violation.says) == true, "\(refused)")
        // A refused plain table still reports its cutoff.
        #expect(verdict.layout?.cutoff == iso("2026-12-01T00:00:00Z"))
    }

    /// Seeded: any combination of violations fails exactly the union of their checks.
    @Test func violationsCombineIndependently() {
        var generator = SplitMix64(seed: 0x6D69_6772_6174_65)
        for _ in 0..<300 {
            // Type violations replace each other; keep at most one of them.
            var chosen = violations.filter { _ in generator.next() % 4 == 0 }
            if chosen.filter({ $0.check.hasPrefix("column ") }).count > 1 {
                chosen.removeAll { $0.check.hasPrefix("column ") }
            }
            var facts = plainTable()
            for violation in chosen { violation.apply(&facts) }

            let verdict = MigrationRules.judge(spec(), facts, now: now)

            // An unusable column is not scanned for rows after the cutoff, so that check disappears.
            let unusable = chosen.contains { $0.check.hasPrefix("column ") }
            let expected = Set(chosen.map(\.check)).subtracting(unusable ? ["no rows at or after the cutoff"] : [])
            #expect(Set(refusals(verdict).keys) == expected, "\(chosen)")
            #expect(verdict.refused == !expected.isEmpty)
        }
    }

    @Test func missingColumnIsRefusedAndNotJudgedFurther() {
        var facts = plainTable()
        facts.column = nil

        let verdict = MigrationRules.judge(spec(), facts, now: now)

        #expect(refusals(verdict) == ["column received_at exists": "public.events has no column received_at"])
        let names = verdict.checks.map(\.name)
        #expect(!names.contains("no NULL in received_at"))
        #expect(!names.contains { $0.hasPrefix("no rows at or after") })
        #expect(verdict.layout?.keyType == .timestamptz)
    }

    @Test func unusableColumnIsStillCheckedForNullsButNotForRowsAfterTheCutoff() {
        var facts = plainTable(newest: iso("2030-01-01T00:00:00Z"))
        facts.column = MigrationColumnFacts(type: "text", holdsNulls: true)

        let verdict = MigrationRules.judge(spec(), facts, now: now)

        #expect(
            Set(refusals(verdict).keys) == [
                "column received_at is timestamptz, timestamp or date", "no NULL in received_at",
            ])
        #expect(!verdict.checks.contains { $0.name.hasPrefix("no rows at or after") })
    }

    @Test func rowAtTheCutoffIsRefusedAndOneJustBeforeIsNot() {
        let cutoff = iso("2026-12-01T00:00:00Z")
        let atCutoff = MigrationRules.judge(spec(), plainTable(newest: cutoff), now: now)
        #expect(
            refusals(atCutoff)["no rows at or after the cutoff"]
                == "rows at or after 2026-12-01T00:00:00Z exist in public.events (newest 2026-12-01T00:00:00Z); "
                + "run migrate after 2026-12-01T00:00:00Z, or move or delete those rows")

        let before = MigrationRules.judge(spec(), plainTable(newest: cutoff.addingTimeInterval(-0.001)), now: now)
        #expect(!before.refused)

        let empty = MigrationRules.judge(spec(), plainTable(newest: nil), now: now)
        #expect(!empty.refused)
    }

    @Test func tooCloseToTheCutoffIsRefused() {
        let cutoff = iso("2026-12-01T00:00:00Z")
        // Five minutes for a month.
        let close = MigrationRules.judge(spec(), plainTable(), now: cutoff.addingTimeInterval(-299))
        #expect(
            refusals(close) == [
                "not too close to the cutoff":
                    "only 299 s are left before 2026-12-01T00:00:00Z, when the history partition closes; "
                    + "run migrate after 2026-12-01T00:00:00Z"
            ])
        #expect(!MigrationRules.judge(spec(), plainTable(), now: cutoff.addingTimeInterval(-300)).refused)

        // A quarter of a period when that is shorter: 225 s for 15-minute partitions.
        let quarter = spec(interval: "15 minutes")
        let periodEnd = iso("2026-11-26T02:15:00Z")
        let old = plainTable(newest: iso("2026-11-26T01:00:00Z"))
        #expect(MigrationRules.judge(quarter, old, now: periodEnd.addingTimeInterval(-224)).refused)
        #expect(!MigrationRules.judge(quarter, old, now: periodEnd.addingTimeInterval(-225)).refused)
    }

    @Test func cutoffFollowsTheZoneForTimestamptzAndUTCOtherwise() {
        let berlin = spec(interval: "daily", timeZone: "Europe/Berlin")
        let aware = MigrationRules.judge(berlin, plainTable(newest: nil), now: now)
        #expect(aware.layout?.cutoff == iso("2026-11-26T23:00:00Z"))

        for type in ["timestamp without time zone", "date"] {
            var facts = plainTable(newest: nil)
            facts.column = MigrationColumnFacts(type: type)
            let naive = MigrationRules.judge(berlin, facts, now: now)
            #expect(!naive.refused)
            #expect(naive.layout?.cutoff == iso("2026-11-27T00:00:00Z"), "\(type)")
            #expect(naive.layout?.keyType == PartitionKeyType(rawValue: type))
        }
    }

    @Test func leftoverNewTableMustBePartitionedAndEmpty() {
        var facts = plainTable()
        facts.leftoverNewTableKind = "p"
        let empty = MigrationRules.judge(spec(), facts, now: now)
        #expect(!empty.refused)
        #expect(empty.checks.contains { $0.name == "events_partmand_new is a leftover of partmand" && $0.passed })

        facts.leftoverNewTableHasRows = true
        let full = MigrationRules.judge(spec(), facts, now: now)
        #expect(
            refusals(full) == [
                "events_partmand_new is empty":
                    "public.events_partmand_new holds rows; partmand only drops its own empty leftover"
            ])
    }

    @Test func layoutWithoutDefaultAndWithLongNames() {
        let long = String(repeating: "x", count: 63)
        let layout = MigrationRules.layout(
            spec(long, interval: "weekly", premake: 2, defaultPartition: false), keyType: .timestamptz, now: now)

        #expect(layout.newDefault == nil)
        #expect(layout.newPartitions.count == 2)
        #expect(layout.cutoff == iso("2026-11-30T00:00:00Z"))
        for name in [layout.historyTable.name, layout.newTable.name] + layout.partitionNames.map(\.name) {
            #expect(name.utf8.count <= 63, "\(name)")
        }
        #expect(layout.historyTable.name.hasSuffix("_history") && layout.newTable.name.hasSuffix("_partmand_new"))
    }

    @Test func checkResultsDescribeThemselves() {
        #expect("\(MigrationCheckResult(name: "no rules", refusal: nil))" == "ok: no rules")
        #expect("\(MigrationCheckResult(name: "no rules", refusal: "r1"))" == "refused: no rules: r1")
    }
}
