import Foundation

/// What a migration finds after the swap, read in one snapshot (`MigrationSurveyReader.verify`), and
/// its judgement. Pure: the same counts give the same checks.
public struct MigrationVerification: Sendable, Hashable, Codable {
    /// One partition of the migrated table and its rows, counted.
    public struct PartitionCount: Sendable, Hashable, Codable {
        public var name: String
        /// `pg_get_expr(relpartbound)`.
        public var bounds: String
        public var rows: Int64

        public init(name: String, bounds: String, rows: Int64) {
            self.name = name
            self.bounds = bounds
            self.rows = rows
        }
    }

    /// An index of the parent or of one of its partitions.
    public struct IndexState: Sendable, Hashable, Codable {
        public var name: String
        public var valid: Bool

        public init(name: String, valid: Bool) {
            self.name = name
            self.valid = valid
        }
    }

    /// A column whose values a sequence generates, the sequence's position and the largest value.
    public struct SequenceState: Sendable, Hashable, Codable {
        public var column: String
        public var sequence: String
        /// The sequence's last value handed out (or set); nil when it was never called.
        public var position: Int64?
        /// `max(column)`; nil for an empty table.
        public var largest: Int64?

        public init(column: String, sequence: String, position: Int64?, largest: Int64?) {
            self.column = column
            self.sequence = sequence
            self.position = position
            self.largest = largest
        }

        private enum CodingKeys: String, CodingKey { case column, sequence, position, largest }

        /// Every key, null included.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(column, forKey: .column)
            try container.encode(sequence, forKey: .sequence)
            try container.encode(position, forKey: .position)
            try container.encode(largest, forKey: .largest)
        }
    }

    /// The history partition is the old table itself (same OID): its rows were not copied.
    public var historyIsOldTable: Bool
    /// The history partition's name.
    public var history: String
    /// Rows in the old table (the history partition), counted with `FROM ONLY`.
    public var oldTableRows: Int64
    /// Rows the new parent shows below the cutoff (routed to the history partition).
    public var newTableRowsBeforeCutoff: Int64
    /// Rows the new parent shows in all.
    public var newTableRows: Int64
    public var partitions: [PartitionCount]
    public var indexes: [IndexState]
    public var sequences: [SequenceState]

    public init(
        historyIsOldTable: Bool, history: String, oldTableRows: Int64, newTableRowsBeforeCutoff: Int64,
        newTableRows: Int64, partitions: [PartitionCount], indexes: [IndexState], sequences: [SequenceState]
    ) {
        self.historyIsOldTable = historyIsOldTable
        self.history = history
        self.oldTableRows = oldTableRows
        self.newTableRowsBeforeCutoff = newTableRowsBeforeCutoff
        self.newTableRows = newTableRows
        self.partitions = partitions
        self.indexes = indexes
        self.sequences = sequences
    }

    /// The checks, in order: nothing copied, rows in old == rows in new, every row in a partition,
    /// indexes valid, each sequence past the largest value.
    public var checks: [MigrationCheckResult] {
        var checks: [MigrationCheckResult] = []
        func check(_ name: String, _ refusal: String?) { checks.append(.init(name: name, refusal: refusal)) }
        check(
            "\(history) is the old table (no row copied)",
            historyIsOldTable ? nil : "\(history) is not the table that was migrated")
        check(
            "rows in old == rows in new: \(oldTableRows)",
            oldTableRows == newTableRowsBeforeCutoff
                ? nil
                : "the old table holds \(oldTableRows) rows, the new table shows \(newTableRowsBeforeCutoff) before the "
                    + "cutoff")
        let sum = partitions.reduce(0) { $0 + $1.rows }
        check(
            "every row in a partition: \(newTableRows)",
            sum == newTableRows ? nil : "the partitions hold \(sum) rows, the table shows \(newTableRows)")
        let invalid = indexes.filter { !$0.valid }.map(\.name)
        check(
            "\(indexes.count) indexes valid",
            invalid.isEmpty ? nil : "index(es) \(invalid.joined(separator: ", ")) are not valid")
        for sequence in sequences {
            let past = sequence.largest.map { largest in sequence.position.map { $0 >= largest } ?? false } ?? true
            check(
                "\(sequence.sequence) past max(\(sequence.column))",
                past
                    ? nil
                    : "\(sequence.sequence) is at \(sequence.position.map(String.init) ?? "its start"), below "
                        + "max(\(sequence.column)) = \(sequence.largest.map(String.init) ?? "?"): ids would repeat")
        }
        return checks
    }

    /// Every check passed.
    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The verification as report lines (without indentation).
    public var lines: [String] {
        checks.map(\.description)
            + partitions.map { "rows in \($0.name) (\($0.bounds)): \($0.rows)" }
            + sequences.map {
                "sequence \($0.sequence): at \($0.position.map(String.init) ?? "start"), "
                    + "max(\($0.column)) \($0.largest.map(String.init) ?? "none")"
            }
    }
}
