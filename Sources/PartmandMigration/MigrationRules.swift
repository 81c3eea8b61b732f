import Foundation
import PartmandCore

/// One check of `partmand migrate`: its name and, when it failed, why the migration is refused.
public struct MigrationCheckResult: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// Nil when the check passed.
    public var refusal: String?

    public init(name: String, refusal: String?) {
        self.name = name
        self.refusal = refusal
    }

    public var passed: Bool { refusal == nil }
    public var description: String { refusal.map { "refused: \(name): \($0)" } ?? "ok: \(name)" }
}

/// The partition column, as the catalog describes it.
public struct MigrationColumnFacts: Sendable, Hashable {
    /// `format_type` of the column, e.g. `timestamp with time zone`.
    public var type: String
    /// A generated column.
    public var generated: Bool
    /// Some row holds NULL in it (false for a `NOT NULL` column, which is not scanned).
    public var holdsNulls: Bool

    public init(type: String, generated: Bool = false, holdsNulls: Bool = false) {
        self.type = type
        self.generated = generated
        self.holdsNulls = holdsNulls
    }
}

/// An identity column of the table to migrate and its sequence.
public struct MigrationIdentityFacts: Sendable, Hashable {
    public var column: String
    /// The sequence's `INCREMENT`: the new parent's sequence is set past the old one's last value, which
    /// only means "no id reused" for an ascending sequence.
    public var increment: Int64

    public init(column: String, increment: Int64 = 1) {
        self.column = column
        self.increment = increment
    }
}

/// What the catalog says about a table that is to become range-partitioned: everything
/// `MigrationRules.judge` looks at. Only for a plain table (relkind `r`) is more than `relkind` read;
/// the defaults describe a table with nothing in the way.
public struct MigrationFacts: Sendable, Hashable {
    /// `r` plain, `p` already partitioned, `v` view, …; nil when the table does not exist.
    public var relkind: String?
    /// `relpersistence` is `p` (neither unlogged nor temporary).
    public var permanent = true
    /// A typed table (`OF type`).
    public var typed = false
    /// The owner (`regrole` text).
    public var owner = ""
    /// partmand's role owns the table or is a member of its owner.
    public var mayAlter = true
    public var rowSecurity = false
    /// The partition column; nil when the table has no such column.
    public var column: MigrationColumnFacts?
    /// Identity columns (`GENERATED … AS IDENTITY`), in column order.
    public var identityColumns: [MigrationIdentityFacts] = []
    /// Names, in the order the catalog lists them (each list empty when there is nothing).
    /// Columns with column-level privileges.
    public var columnPrivileges: [String] = []
    /// Foreign keys of other tables referencing this one, as `name (on table)`.
    public var referencingForeignKeys: [String] = []
    /// The table's own foreign keys.
    public var foreignKeys: [String] = []
    public var exclusionConstraints: [String] = []
    /// Views (or other relations' rules) that depend on the table.
    public var dependentViews: [String] = []
    /// The table's own rules.
    public var rules: [String] = []
    /// User triggers (not internal ones).
    public var triggers: [String] = []
    /// `inherits from …` and `inherited by …`.
    public var inheritance: [String] = []
    public var publications: [String] = []
    /// PRIMARY KEY and UNIQUE indexes whose key columns lack the partition column.
    public var uniqueIndexesWithoutColumn: [String] = []
    /// Indexes that are not valid or not ready.
    public var invalidIndexes: [String] = []
    /// The newest value of the partition column; nil when the table is empty (or the column cannot be
    /// a partition key, when it is not read).
    public var newest: Date?
    /// Something is already named like the history partition, `<name>_history`.
    public var historyNameTaken = false
    /// The relkind of something already named `<name>_partmand_new`; nil when the name is free.
    public var leftoverNewTableKind: String?
    /// That leftover is a partitioned table holding rows.
    public var leftoverNewTableHasRows = false
    /// Which of the partitions the migration would create exist already (quoted names).
    public var takenPartitionNames: [String] = []

    public init(relkind: String?) {
        self.relkind = relkind
    }
}

/// Where a migration puts things: the history partition's bound and the new parent's partitions.
/// Pure: from the table's spec, its key type and now.
public struct MigrationLayout: Sendable, Hashable {
    public var keyType: PartitionKeyType
    /// The start of the period holding now.
    public var periodStart: Date
    /// The history partition is `FROM (MINVALUE) TO (cutoff)`: the start of the period after now's.
    public var cutoff: Date
    /// `<name>_history`, the old table after the swap.
    public var historyTable: QualifiedName
    /// `<name>_partmand_new`, the partitioned parent before the swap.
    public var newTable: QualifiedName
    /// Partitions to make on the new parent before the swap (the planner's window after the cutoff).
    public var newPartitions: [NewPartition]
    public var newDefault: QualifiedName?

    /// Every partition the migration makes, in order, the default last.
    public var partitionNames: [QualifiedName] { newPartitions.map(\.name) + (newDefault.map { [$0] } ?? []) }
}

/// The judgement on a table: every check in order and, for a plain table, the layout.
public struct MigrationVerdict: Sendable, Hashable {
    /// The table is range-partitioned already: there is nothing to check or do.
    public var alreadyPartitioned = false
    public var checks: [MigrationCheckResult] = []
    /// Nil unless the table is a plain table.
    public var layout: MigrationLayout?

    /// Some check failed.
    public var refused: Bool { checks.contains { !$0.passed } }
}

/// Decides whether a plain table can become range-partitioned in place. Pure: same facts, same verdict.
///
/// Rules (each is one check, in this order; a failed check refuses the migration and says why):
/// - a table that does not exist is refused; one already range-partitioned has nothing to do and no checks;
///   anything else that is not a plain table (view, materialized view, foreign table, sequence) is refused
///   with no further checks;
/// - the table is permanent (not unlogged or temporary), not typed (`OF type`), owned by partmand's role
///   (or a role it is a member of), and has no row-level security (policies are not copied);
/// - the partition column exists, is `timestamptz`, `timestamp` or `date`, is not generated, and holds no
///   NULL (no range partition takes one);
/// - identity columns count upwards (the new parent's identity continues past the old sequence's last
///   value and the largest id); there is no column privilege, no foreign key referencing the table or of its own, no exclusion constraint, no
///   dependent view, no rule, no trigger, no inheritance parent or child, no publication (none of them is
///   carried over to the new table);
/// - every PRIMARY KEY and UNIQUE index contains the partition column, and no index is invalid;
/// - the cutoff, the start of the period after the one holding now (in the spec's zone for `timestamptz`,
///   else in UTC), is at least min(5 minutes, a quarter of a period) away;
/// - when the column can be a partition key, no row lies at or after the cutoff (the refusal says when
///   migrate would accept those rows: from the start of the newest row's period on);
/// - `<name>_history` is free; `<name>_partmand_new`, if it exists, is a leftover of an earlier run (a
///   partitioned table) and empty;
/// - the names of the partitions after the cutoff (the planner's window, as if the history partition
///   already existed, and the default partition if wanted) are free.
public enum MigrationRules {
    /// Judges `facts` about `spec.parent` at `now`.
    public static func judge(_ spec: TableSpec, _ facts: MigrationFacts, now: Date) -> MigrationVerdict {
        let table = spec.parent
        guard let relkind = facts.relkind else {
            return MigrationVerdict(checks: [.init(name: "table exists", refusal: "\(table) does not exist")])
        }
        if relkind == "p" { return MigrationVerdict(alreadyPartitioned: true) }
        let kinds = ["v": "a view", "m": "a materialized view", "f": "a foreign table", "S": "a sequence"]
        guard relkind == "r" else {
            return MigrationVerdict(checks: [
                .init(name: "plain table", refusal: "\(table) is \(kinds[relkind] ?? "not a table"), not a plain table")
            ])
        }

        var checks: [MigrationCheckResult] = []
        func check(_ name: String, _ refusal: String?) { checks.append(.init(name: name, refusal: refusal)) }
        func listed(_ values: [String]) -> String { values.joined(separator: ", ") }

        check("plain table", nil)
        check(
            "permanent table",
            facts.permanent
                ? nil : "\(table) is unlogged or temporary; partmand only migrates permanent (logged) tables")
        check("not a typed table", facts.typed ? "\(table) is a typed table (OF type)" : nil)
        check(
            "owned by partmand's role",
            facts.mayAlter
                ? nil : "\(table) is owned by \(facts.owner); partmand's role must own it (or be a member of the owner)"
        )
        check(
            "no row-level security",
            facts.rowSecurity
                ? "\(table) has row-level security enabled; policies are not copied to the new table" : nil)

        // The partition column.
        let column = spec.column
        let keyType = keyType(of: facts.column)
        if let facts = facts.column {
            check(
                "column \(column) is timestamptz, timestamp or date",
                keyType != nil
                    ? nil
                    : "column \(column) of \(table) has type \(facts.type)\(facts.generated ? " and is generated" : ""); "
                        + "partmand partitions on timestamptz, timestamp or date columns")
            check(
                "no NULL in \(column)",
                facts.holdsNulls
                    ? "\(table).\(column) holds NULLs, which no range partition takes; fill them in or delete them"
                    : nil)
        } else {
            check("column \(column) exists", "\(table) has no column \(column)")
        }

        // What is not carried over to the new table.
        let descending = facts.identityColumns.filter { $0.increment < 0 }.map(\.column)
        check(
            "identity columns ascend",
            descending.isEmpty
                ? nil
                : "identity column(s) \(listed(descending)) count downwards (negative INCREMENT); partmand continues "
                    + "ascending identity sequences only")
        check(
            "no column privileges",
            facts.columnPrivileges.isEmpty
                ? nil
                : "column privileges on \(listed(facts.columnPrivileges)) are not copied; revoke them, migrate, grant "
                    + "again")
        check(
            "no foreign keys referencing it",
            facts.referencingForeignKeys.isEmpty
                ? nil
                : "foreign key(s) \(listed(facts.referencingForeignKeys)) reference \(table); they would keep "
                    + "referencing the history partition only. Drop them, migrate, and add them again on the "
                    + "partitioned table")
        check(
            "no foreign keys of its own",
            facts.foreignKeys.isEmpty
                ? nil
                : "foreign key(s) \(listed(facts.foreignKeys)) are not copied by CREATE TABLE … (LIKE …); drop them, "
                    + "migrate, and add them again on the partitioned table")
        check(
            "no exclusion constraints",
            facts.exclusionConstraints.isEmpty
                ? nil
                : "exclusion constraint(s) \(listed(facts.exclusionConstraints)) are not supported on partitioned tables"
        )
        check(
            "no views depending on it",
            facts.dependentViews.isEmpty
                ? nil
                : "view(s) \(listed(facts.dependentViews)) depend on \(table) and would keep showing the history "
                    + "partition only; drop them, migrate, and create them again")
        check("no rules", facts.rules.isEmpty ? nil : "rule(s) \(listed(facts.rules)) on \(table) are not copied")
        check(
            "no triggers",
            facts.triggers.isEmpty
                ? nil
                : "trigger(s) \(listed(facts.triggers)) are not copied to the new table; drop them, migrate, and "
                    + "create them again on the partitioned table")
        check(
            "no inheritance",
            facts.inheritance.isEmpty
                ? nil : "\(table) \(listed(facts.inheritance)); partmand migrates stand-alone tables only")
        check(
            "not in a publication",
            facts.publications.isEmpty
                ? nil
                : "\(table) is in publication(s) \(listed(facts.publications)); remove it, migrate, and add the "
                    + "partitioned table")

        // Indexes: PostgreSQL requires every unique index of a partitioned table to contain the key.
        check(
            "every unique index and primary key includes \(column)",
            facts.uniqueIndexesWithoutColumn.isEmpty
                ? nil
                : "unique index(es) \(listed(facts.uniqueIndexesWithoutColumn)) do not include \(column); a "
                    + "partitioned table needs the partition column in every PRIMARY KEY and UNIQUE index")
        check(
            "no invalid indexes",
            facts.invalidIndexes.isEmpty
                ? nil
                : "index(es) \(listed(facts.invalidIndexes)) are invalid (a failed CREATE INDEX CONCURRENTLY?); "
                    + "drop or REINDEX them first")

        // The cutoff.
        let layout = layout(spec, keyType: keyType ?? .timestamptz, now: now)
        let cutoff = layout.cutoff
        let margin = min(300, cutoff.timeIntervalSince(layout.periodStart) / 4)
        check(
            "not too close to the cutoff",
            cutoff.timeIntervalSince(now) < margin
                ? "only \(Int(cutoff.timeIntervalSince(now))) s are left before \(ISO8601.string(cutoff)), when the "
                    + "history partition closes; run migrate after \(ISO8601.string(cutoff))" : nil)
        if keyType != nil {
            if let newest = facts.newest, newest >= cutoff {
                let calendar = calendar(spec, keyType: layout.keyType)
                let opens = calendar.boundary(ofSlot: calendar.slot(containing: newest))
                check(
                    "no rows at or after the cutoff",
                    "rows at or after \(ISO8601.string(cutoff)) exist in \(table) (newest \(ISO8601.string(newest))); "
                        + "run migrate after \(ISO8601.string(opens)), or move or delete those rows")
            } else {
                check("no rows at or after the cutoff \(ISO8601.string(cutoff))", nil)
            }
        }

        // Names the migration needs.
        let history = layout.historyTable
        let newTable = layout.newTable
        check("\(history.name) is free", facts.historyNameTaken ? "\(history) already exists; rename or drop it" : nil)
        if let kind = facts.leftoverNewTableKind {
            check(
                "\(newTable.name) is a leftover of partmand",
                kind == "p" ? nil : "\(newTable) exists and is not a partitioned table; rename or drop it")
            if kind == "p" && facts.leftoverNewTableHasRows {
                check("\(newTable.name) is empty", "\(newTable) holds rows; partmand only drops its own empty leftover")
            }
        }
        check(
            "partition names are free",
            facts.takenPartitionNames.isEmpty ? nil : "table(s) \(listed(facts.takenPartitionNames)) already exist")
        return MigrationVerdict(checks: checks, layout: layout)
    }

    /// The partition key type of a column: nil when it has none (no column, another type, or generated).
    public static func keyType(of column: MigrationColumnFacts?) -> PartitionKeyType? {
        guard let column, !column.generated else { return nil }
        return PartitionKeyType(rawValue: column.type)
    }

    /// Where a migration of `spec.parent` at `now` puts things, for a key of type `keyType`.
    public static func layout(_ spec: TableSpec, keyType: PartitionKeyType, now: Date) -> MigrationLayout {
        let calendar = calendar(spec, keyType: keyType)
        let slot = calendar.slot(containing: now)
        let cutoff = calendar.boundary(ofSlot: slot + 1)
        let table = spec.parent
        var layout = MigrationLayout(
            keyType: keyType, periodStart: calendar.boundary(ofSlot: slot), cutoff: cutoff,
            historyTable: QualifiedName(
                schema: table.schema, name: PartitionNaming.fit(parent: table.name, suffix: "_history")),
            newTable: QualifiedName(
                schema: table.schema, name: PartitionNaming.fit(parent: table.name, suffix: "_partmand_new")),
            newPartitions: [], newDefault: nil)
        // The planner's window, as if the history partition already existed.
        let snapshot = TableSnapshot(
            parent: table, keyColumn: spec.column, keyType: keyType,
            partitions: [
                ExistingPartition(
                    name: layout.historyTable, range: PartitionRange(lower: .minValue, upper: .value(cutoff)))
            ])
        for action in Planner.plan(spec, snapshot, now: now).actions {
            switch action {
            case .createPartition(let new): layout.newPartitions.append(new)
            case .createDefaultPartition(let name): layout.newDefault = name
            case .retirePartition, .finishRetirement, .convertToColumnar, .finishConversion: break
            }
        }
        return layout
    }

    /// Periods are counted in the spec's zone for `timestamptz` keys, in UTC for the others (their
    /// wall-clock values are kept as UTC).
    private static func calendar(_ spec: TableSpec, keyType: PartitionKeyType) -> PartitionCalendar {
        PartitionCalendar(
            interval: spec.interval, timeZone: keyType == .timestamptz ? spec.timeZone : .utc)
    }
}
