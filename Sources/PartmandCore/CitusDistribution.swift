/// How Citus spreads a table over its nodes, from the coordinator's `pg_dist_partition`.
public struct CitusDistribution: Hashable, Sendable {
    /// Citus's kinds of tables.
    public enum Kind: String, Hashable, Sendable {
        /// Hash-distributed over shards.
        case distributed
        /// One shard copied to every node.
        case reference
        /// A local table added to Citus's metadata.
        case local
    }

    public var kind: Kind
    /// The distribution column; nil unless `distributed`.
    public var column: String?
    public var shardCount: Int
    /// Tables of one colocation group keep matching rows on the same node.
    public var colocationID: Int

    public init(kind: Kind, column: String?, shardCount: Int, colocationID: Int) {
        self.kind = kind
        self.column = column
        self.shardCount = shardCount
        self.colocationID = colocationID
    }

    /// `partmethod` and `repmodel` as `pg_dist_partition` stores them: 'h' is hash-distributed; 'n' with
    /// replication model 't' is a reference table; anything else is a Citus local table.
    public static func kind(partitionMethod: String, replicationModel: String) -> Kind {
        if partitionMethod == "h" { return .distributed }
        return replicationModel == "t" ? .reference : .local
    }
}
