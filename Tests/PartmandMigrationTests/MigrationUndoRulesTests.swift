import PartmandCore
import PartmandMigration
import Testing

/// `MigrationUndoRules`: when an undo may turn a migrated table back into a plain one. Pure.
@Suite struct MigrationUndoRulesTests {
    private let table = QualifiedName(schema: "public", name: "events")
    private let history = QualifiedName(schema: "public", name: "events_history")

    private func refusals(_ facts: MigrationUndoFacts) -> [String: String] {
        let verdict = MigrationUndoRules.judge(table, history: history, facts)
        return Dictionary(uniqueKeysWithValues: verdict.checks.compactMap { c in c.refusal.map { (c.name, $0) } })
    }

    @Test func migratedTableWithNothingInTheWayPasses() {
        let verdict = MigrationUndoRules.judge(table, history: history, MigrationUndoFacts(relkind: "p"))
        #expect(!verdict.refused && !verdict.alreadyPlain)
        #expect(
            verdict.checks.map(\.name) == [
                "partitioned table", "owned by partmand's role", "events_history is its history partition",
                "every row in events_history", "no views depending on it", "no foreign keys referencing it",
                "no triggers", "not in a publication", "no unfinished retirements",
            ])
    }

    @Test func plainMissingAndOtherTables() {
        #expect(MigrationUndoRules.judge(table, history: history, MigrationUndoFacts(relkind: "r")).alreadyPlain)
        #expect(refusals(MigrationUndoFacts(relkind: nil)) == ["table exists": "public.events does not exist"])
        #expect(refusals(MigrationUndoFacts(relkind: "v")).keys.sorted() == ["partitioned table"])
    }

    @Test func rowsInNewerPartitionsAreCountedAndNamed() {
        var facts = MigrationUndoFacts(relkind: "p")
        facts.rowsElsewhere = ["events_p20270101": 3, "events_default": 2]
        let refusal = refusals(facts)["every row in events_history"] ?? ""
        #expect(refusal.hasPrefix("5 row(s) live in newer partitions (events_default: 2, events_p20270101: 3)"))
        #expect(refusals(facts).count == 1)
    }

    @Test func eachObstacleFailsItsOwnCheck() {
        let cases: [(String, (inout MigrationUndoFacts) -> Void)] = [
            ("owned by partmand's role", { $0.mayAlter = false }),
            ("events_history is its history partition", { $0.historyAttached = false }),
            ("no views depending on it", { $0.dependentViews = ["public.recent"] }),
            ("no foreign keys referencing it", { $0.referencingForeignKeys = ["fk (on public.deliveries)"] }),
            ("no triggers", { $0.triggers = ["audit"] }),
            ("not in a publication", { $0.publications = ["pub"] }),
            ("no unfinished retirements", { $0.unfinishedRetirements = ["events_p20260101"] }),
        ]
        for (check, apply) in cases {
            var facts = MigrationUndoFacts(relkind: "p")
            apply(&facts)
            #expect(Array(refusals(facts).keys) == [check])
        }
    }
}
