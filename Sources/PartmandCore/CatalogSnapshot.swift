import Foundation

/// Partition key types partmand can maintain.
public enum PartitionKeyType: String, Hashable, Sendable {
    case timestamptz = "timestamp with time zone"
    case timestamp = "timestamp without time zone"
    case date
}

/// A partition that exists now, identified by its real bounds (never by its name).
public struct ExistingPartition: Hashable, Sendable {
    public var name: QualifiedName
    public var range: PartitionRange
    /// Left half-detached by an interrupted `DETACH PARTITION … CONCURRENTLY`.
    public var detachPending: Bool
    /// The table access method (`heap`, `columnar`…); nil when unknown.
    public var accessMethod: String?

    public init(name: QualifiedName, range: PartitionRange, detachPending: Bool = false, accessMethod: String? = nil) {
        self.name = name
        self.range = range
        self.detachPending = detachPending
        self.accessMethod = accessMethod
    }

    /// Citus's column store.
    public static let columnar = "columnar"
}

/// How many rows sit in a default partition, and the span of their key values.
public struct DefaultRows: Hashable, Sendable {
    public var count: Int64
    public var oldest: Date?
    public var newest: Date?

    public init(count: Int64, oldest: Date?, newest: Date?) {
        self.count = count
        self.oldest = oldest
        self.newest = newest
    }
}

/// What the catalog says about one range-partitioned parent, read at one moment.
public struct TableSnapshot: Hashable, Sendable {
    public var parent: QualifiedName
    public var keyColumn: String
    public var keyType: PartitionKeyType
    /// Non-default partitions, ascending by lower bound.
    public var partitions: [ExistingPartition]
    public var defaultPartition: QualifiedName?
    /// Rows in the default partition; nil when there is none.
    public var defaultRows: DefaultRows?
    /// Retirements an earlier pass recorded and did not finish.
    public var unfinishedRetirements: [UnfinishedRetirement]
    /// Columnar conversions an earlier pass recorded and did not finish.
    public var unfinishedConversions: [UnfinishedConversion]

    public init(
        parent: QualifiedName, keyColumn: String, keyType: PartitionKeyType, partitions: [ExistingPartition],
        defaultPartition: QualifiedName? = nil, defaultRows: DefaultRows? = nil,
        unfinishedRetirements: [UnfinishedRetirement] = [], unfinishedConversions: [UnfinishedConversion] = []
    ) {
        self.parent = parent
        self.keyColumn = keyColumn
        self.keyType = keyType
        self.partitions = partitions.sorted { $0.range.lower < $1.range.lower }
        self.defaultPartition = defaultPartition
        self.defaultRows = defaultRows
        self.unfinishedRetirements = unfinishedRetirements
        self.unfinishedConversions = unfinishedConversions
    }
}
