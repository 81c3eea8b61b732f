import Foundation
import PartmandCore

/// What the catalog says about a table `partmand migrate --undo` is to turn back into a plain table.
/// The defaults describe a migrated table with nothing in the way.
public struct MigrationUndoFacts: Sendable, Hashable {
    /// `p` partitioned, `r` plain, …; nil when the table does not exist.
    public var relkind: String?
    /// `<name>_history` is a partition of the table whose range starts at MINVALUE (what migrate made).
    public var historyAttached = true
    /// Rows in each partition other than the history partition, by name (only those holding rows).
    public var rowsElsewhere: [String: Int64] = [:]
    /// Views depending on the partitioned table, foreign keys referencing it, its own triggers, its
    /// publications: they would be dropped with the partitioned parent.
    public var dependentViews: [String] = []
    public var referencingForeignKeys: [String] = []
    public var triggers: [String] = []
    public var publications: [String] = []
    /// Retirements of the table's partitions recorded in `partmand.retirement` and not finished.
    public var unfinishedRetirements: [String] = []
    /// partmand's role owns the table or is a member of its owner.
    public var mayAlter = true

    public init(relkind: String?) {
        self.relkind = relkind
    }
}

/// The judgement on an undo: every check in order, or nothing to do.
public struct MigrationUndoVerdict: Sendable, Hashable {
    /// The table is a plain table already.
    public var alreadyPlain = false
    public var checks: [MigrationCheckResult] = []

    /// Some check failed.
    public var refused: Bool { checks.contains { !$0.passed } }
}

/// Decides whether `partmand migrate --undo` may turn a migrated table back into a plain one without
/// copying a row: only while every row still sits in the history partition (the old table), which is
/// detached and takes the name back; the partitioned parent and its other, empty, partitions are dropped.
/// Pure: same facts, same verdict.
public enum MigrationUndoRules {
    /// Judges `facts` about `table`, whose history partition is `history`.
    public static func judge(_ table: QualifiedName, history: QualifiedName, _ facts: MigrationUndoFacts)
        -> MigrationUndoVerdict
    {
        guard let relkind = facts.relkind else {
            return MigrationUndoVerdict(checks: [.init(name: "table exists", refusal: "\(table) does not exist")])
        }
        if relkind == "r" { return MigrationUndoVerdict(alreadyPlain: true) }
        guard relkind == "p" else {
            return MigrationUndoVerdict(checks: [
                .init(name: "partitioned table", refusal: "\(table) is neither partitioned nor a plain table")
            ])
        }
        var checks: [MigrationCheckResult] = [.init(name: "partitioned table", refusal: nil)]
        func check(_ name: String, _ refusal: String?) { checks.append(.init(name: name, refusal: refusal)) }
        func listed(_ values: [String]) -> String { values.joined(separator: ", ") }

        check(
            "owned by partmand's role",
            facts.mayAlter ? nil : "partmand's role must own \(table) (or be a member of its owner)")
        check(
            "\(history.name) is its history partition",
            facts.historyAttached
                ? nil
                : "\(history) is not a partition of \(table) FROM (MINVALUE); only a table partmand migrate converted "
                    + "can be turned back")
        let total = facts.rowsElsewhere.values.reduce(0, +)
        let places = facts.rowsElsewhere.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        check(
            "every row in \(history.name)",
            total == 0
                ? nil
                : "\(total) row(s) live in newer partitions (\(listed(places))); undo turns \(history.name) back into "
                    + "\(table.name) without copying and would lose them. Move them into \(history.name) yourself "
                    + "(it takes rows before its upper bound only) or keep the partitioned table")
        check(
            "no views depending on it",
            facts.dependentViews.isEmpty
                ? nil : "view(s) \(listed(facts.dependentViews)) depend on \(table); drop them, undo, create them again"
        )
        check(
            "no foreign keys referencing it",
            facts.referencingForeignKeys.isEmpty
                ? nil
                : "foreign key(s) \(listed(facts.referencingForeignKeys)) reference \(table); drop them, undo, add "
                    + "them again")
        check(
            "no triggers",
            facts.triggers.isEmpty
                ? nil : "trigger(s) \(listed(facts.triggers)) on \(table) would be dropped with the partitioned table")
        check(
            "not in a publication",
            facts.publications.isEmpty ? nil : "\(table) is in publication(s) \(listed(facts.publications))")
        check(
            "no unfinished retirements",
            facts.unfinishedRetirements.isEmpty
                ? nil
                : "retirement(s) of \(listed(facts.unfinishedRetirements)) are unfinished; let a pass finish them first"
        )
        return MigrationUndoVerdict(checks: checks)
    }
}
