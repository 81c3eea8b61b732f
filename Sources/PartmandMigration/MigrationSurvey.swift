import Foundation
import PartmandCore

/// What `partmand migrate --dry-run` shows before anything happens: the table's size, indexes,
/// constraints and dependent objects, the cutoff and the partitions to be made. Pure data and its
/// rendering; `MigrationSurveyReader` fills it from the catalog.
public struct MigrationSurvey: Sendable, Hashable, Codable {
    /// An index of the table.
    public struct Index: Sendable, Hashable, Codable {
        public var name: String
        /// `pg_get_indexdef`.
        public var definition: String
        public var bytes: Int64
        public var valid: Bool

        public init(name: String, definition: String, bytes: Int64, valid: Bool = true) {
            self.name = name
            self.definition = definition
            self.bytes = bytes
            self.valid = valid
        }
    }

    /// A constraint of the table (`pg_get_constraintdef`).
    public struct Constraint: Sendable, Hashable, Codable {
        public var name: String
        public var definition: String

        public init(name: String, definition: String) {
            self.name = name
            self.definition = definition
        }
    }

    /// `pg_class.reltuples`; nil when the table was never analyzed or vacuumed.
    public var estimatedRows: Int64?
    /// The table's heap (with TOAST), `pg_table_size`.
    public var tableBytes: Int64
    /// Its indexes, `pg_indexes_size`.
    public var indexBytes: Int64
    public var indexes: [Index]
    public var constraints: [Constraint]
    /// Views depending on the table, foreign keys of other tables referencing it, its triggers (each
    /// refuses the migration; listed so that the dry run shows them all at once).
    public var dependentViews: [String]
    public var referencingForeignKeys: [String]
    public var triggers: [String]
    /// Identity columns (`column (sequence)`) and serial columns' owned sequences.
    public var sequences: [String]
    /// The history partition's upper bound, ISO-8601.
    public var cutoff: String
    /// The partitions to be made after the cutoff, as `name [lower, upper)`, the default last.
    public var partitions: [String]

    public init(
        estimatedRows: Int64?, tableBytes: Int64, indexBytes: Int64, indexes: [Index], constraints: [Constraint],
        dependentViews: [String] = [], referencingForeignKeys: [String] = [], triggers: [String] = [],
        sequences: [String] = [], cutoff: String, partitions: [String]
    ) {
        self.estimatedRows = estimatedRows
        self.tableBytes = tableBytes
        self.indexBytes = indexBytes
        self.indexes = indexes
        self.constraints = constraints
        self.dependentViews = dependentViews
        self.referencingForeignKeys = referencingForeignKeys
        self.triggers = triggers
        self.sequences = sequences
        self.cutoff = cutoff
        self.partitions = partitions
    }

    private enum CodingKeys: String, CodingKey {
        case estimatedRows, tableBytes, indexBytes, indexes, constraints, dependentViews, referencingForeignKeys
        case triggers, sequences, cutoff, partitions
    }

    /// Every key, null included (`estimated_rows` of a table never analyzed).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(estimatedRows, forKey: .estimatedRows)
        try container.encode(tableBytes, forKey: .tableBytes)
        try container.encode(indexBytes, forKey: .indexBytes)
        try container.encode(indexes, forKey: .indexes)
        try container.encode(constraints, forKey: .constraints)
        try container.encode(dependentViews, forKey: .dependentViews)
        try container.encode(referencingForeignKeys, forKey: .referencingForeignKeys)
        try container.encode(triggers, forKey: .triggers)
        try container.encode(sequences, forKey: .sequences)
        try container.encode(cutoff, forKey: .cutoff)
        try container.encode(partitions, forKey: .partitions)
    }

    /// The survey as report lines (without indentation).
    public var lines: [String] {
        func listed(_ values: [String]) -> String { values.isEmpty ? "none" : values.joined(separator: ", ") }
        var lines = [
            "rows (estimate): " + (estimatedRows.map(String.init) ?? "unknown (never analyzed)"),
            "size: table \(Self.bytes(tableBytes)), indexes \(Self.bytes(indexBytes))",
        ]
        lines += indexes.map {
            "index \($0.name) (\(Self.bytes($0.bytes))\($0.valid ? "" : ", INVALID")): \($0.definition)"
        }
        lines += constraints.map { "constraint \($0.name): \($0.definition)" }
        lines += [
            "sequences: \(listed(sequences))",
            "dependent views: \(listed(dependentViews))",
            "foreign keys referencing it: \(listed(referencingForeignKeys))",
            "triggers: \(listed(triggers))",
            "cutoff: \(cutoff)",
            "partitions to make: \(listed(partitions))",
        ]
        return lines
    }

    /// `bytes` in the largest binary unit that keeps a number ≥ 1, like `pg_size_pretty`.
    public static func bytes(_ bytes: Int64) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 10 * 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : "\(Int(value.rounded())) \(units[unit])"
    }
}
