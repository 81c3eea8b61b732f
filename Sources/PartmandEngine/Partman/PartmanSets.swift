import PartmandCore
import PartmandPostgres

/// One pg_partman partition set: its `part_config` row.
public struct PartmanSet: Hashable, Sendable {
    /// `parent_table` as pg_partman stores it: `schema.table`, unquoted.
    public var parentTable: String
    public var control: String
    /// An interval as text, e.g. `1 mon` or `1 day`.
    public var partitionInterval: String
    public var premake: Int
    public var retention: String?
    public var retentionKeepTable: Bool
    public var infiniteTimePartitions: Bool
    public var automaticMaintenance: String

    /// The parent as a qualified name (pg_partman splits `parent_table` at its first dot).
    public var parent: QualifiedName {
        let parts = parentTable.split(separator: ".", maxSplits: 1).map(String.init)
        return parts.count == 2
            ? QualifiedName(schema: parts[0], name: parts[1]) : QualifiedName(schema: "public", name: parentTable)
    }

    /// `parent_table` for a qualified name, as pg_partman spells it.
    public static func parentTable(_ name: QualifiedName) -> String { "\(name.schema).\(name.name)" }
}

/// Reads pg_partman's `part_config`.
public enum PartmanSets {
    /// The sets of `parents` (all sets when nil), keyed by `parent_table`.
    public static func read(_ partman: PartmanExtension, parents: [QualifiedName]?, on connection: PostgresConnection)
        throws(PostgresError) -> [String: PartmanSet]
    {
        let result = try connection.query(
            """
            SELECT parent_table, control, partition_interval, premake, retention,
                   retention_keep_table, infinite_time_partitions, automatic_maintenance
            FROM \(partman.partConfig)
            WHERE $1::text[] IS NULL OR parent_table = ANY($1::text[])
            ORDER BY parent_table
            """,
            [parents.map { .textArray($0.map(PartmanSet.parentTable)) }], purpose: "read pg_partman part_config")
        var sets: [String: PartmanSet] = [:]
        for row in result.rows {
            let set = PartmanSet(
                parentTable: try row.string("parent_table"), control: try row.string("control"),
                partitionInterval: try row.string("partition_interval"), premake: try row.int("premake"),
                retention: row["retention"], retentionKeepTable: try row.bool("retention_keep_table"),
                infiniteTimePartitions: try row.bool("infinite_time_partitions"),
                automaticMaintenance: try row.string("automatic_maintenance"))
            sets[set.parentTable] = set
        }
        return sets
    }
}
