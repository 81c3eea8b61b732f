import Foundation

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
    public var timeZone: TimeZone
    public var enabled: Bool

    public init(
        parent: QualifiedName, column: String, interval: CalendarInterval, premake: Int = 4,
        retention: CalendarInterval? = nil, retentionAction: RetentionAction = .drop,
        defaultPartition: Bool = true, timeZone: TimeZone = TimeZone(identifier: "UTC")!, enabled: Bool = true
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
    }
}
