import Foundation

/// A columnar conversion partmand recorded and has not finished: the partition is detached first (so
/// that no INSERT waits for the copy), converted on its own, then attached again. A crash, a kill or a
/// failure between those steps leaves it; the next pass finds it in partmand's ledger and finishes it,
/// and until then the planner treats its range as taken.
public struct UnfinishedConversion: Hashable, Sendable, CustomStringConvertible {
    /// Where the table stands now, read from the catalog by its name (a conversion gives the table a new OID).
    public enum State: Hashable, Sendable {
        /// Still (or again) a partition of the parent.
        case attached
        /// A standalone table: detached, not yet attached again.
        case detached
        /// No table of that name exists any more.
        case gone
    }

    public var name: QualifiedName
    /// The partition's range, to attach it again with.
    public var range: PartitionRange
    public var state: State
    /// The table's access method now (`heap`, `columnar`); nil when it is gone.
    public var accessMethod: String?
    /// When the conversion was recorded.
    public var since: Date

    public init(name: QualifiedName, range: PartitionRange, state: State, accessMethod: String?, since: Date) {
        self.name = name
        self.range = range
        self.state = state
        self.accessMethod = accessMethod
        self.since = since
    }

    public var description: String {
        let started = "columnar conversion of \(name) \(range), started \(ISO8601.string(since))"
        switch state {
        case .attached: return "\(started), still attached"
        case .detached: return "\(started), detached (\(accessMethod ?? "?")) and not attached again"
        case .gone: return "\(started); the table is gone"
        }
    }
}
