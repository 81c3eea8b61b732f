import Foundation
import PartmandTime

/// What happens to a partition once it is older than the retention period.
public enum RetentionAction: Hashable, Sendable, CustomStringConvertible {
    /// Detach, then drop the table and its rows.
    case drop
    /// Detach and keep the table where it is.
    case detach
    /// Detach and move the table into another schema.
    case archive(schema: String)

    public var description: String {
        switch self {
        case .drop: "drop"
        case .detach: "detach"
        case .archive(let schema): "archive to \(schema)"
        }
    }
}

/// Who maintains a table: partmand itself, or pg_partman driven by partmand.
public enum EngineKind: String, Hashable, Sendable, CaseIterable {
    case native
    case pgPartman = "pg_partman"
}

/// What to do with rows in the default partition that stand in the way of a new partition.
public enum DefaultRowsPolicy: String, Hashable, Sendable, CaseIterable {
    /// Report them and skip the table (pg_partman) or leave them (native).
    case refuse
    /// Move them into partitions of their own first.
    case move
}

/// The desired shape of one partitioned table, from configuration.
public struct TableSpec: Hashable, Sendable {
    public var parent: QualifiedName
    /// The partition key column.
    public var column: String
    public var interval: CalendarInterval
    /// How many partitions must exist after the one holding "now".
    public var premake: Int
    /// Partitions entirely older than now − retention are retired; nil keeps everything.
    public var retention: CalendarInterval?
    public var retentionAction: RetentionAction
    /// Whether a default partition should exist.
    public var defaultPartition: Bool
    /// The zone in which boundaries of a `timestamptz` key fall (ignored for `timestamp` and `date` keys).
    public var timeZone: Zone
    public var enabled: Bool
    /// Who maintains the table.
    public var engine: EngineKind
    /// What to do with default-partition rows that would make pg_partman's ATTACH fail.
    public var defaultRows: DefaultRowsPolicy
    /// pg_partman's `infinite_time_partitions` (set by `partmand setup`).
    public var infiniteTimePartitions: Bool
    /// A SQL file creating the partitioned parent (native tables, `partmand setup`); an absolute path.
    public var createFile: String?
    /// Partitions entirely older than now − this are converted to Citus's columnar access method; nil
    /// converts nothing.
    public var columnarAfter: CalendarInterval?

    public init(
        parent: QualifiedName, column: String, interval: CalendarInterval, premake: Int = 4,
        retention: CalendarInterval? = nil, retentionAction: RetentionAction = .drop,
        defaultPartition: Bool = true, timeZone: Zone = .utc, enabled: Bool = true,
        engine: EngineKind = .native, defaultRows: DefaultRowsPolicy = .refuse, infiniteTimePartitions: Bool = true,
        createFile: String? = nil, columnarAfter: CalendarInterval? = nil
    ) {
        self.parent = parent
        self.column = column
        self.interval = interval
        self.premake = premake
        self.retention = retention
        self.retentionAction = retentionAction
        self.defaultPartition = defaultPartition
        self.timeZone = timeZone
        self.enabled = enabled
        self.engine = engine
        self.defaultRows = defaultRows
        self.infiniteTimePartitions = infiniteTimePartitions
        self.createFile = createFile
        self.columnarAfter = columnarAfter
    }
}
