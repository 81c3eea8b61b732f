import Foundation

/// A retirement partmand recorded before detaching a partition `CONCURRENTLY` (which commits on its
/// own, before the drop or archive) and has not finished: a crash, a kill or a failed drop left it.
/// The next pass finds it in partmand's ledger and finishes it; `plan` and `health` report it.
public struct UnfinishedRetirement: Hashable, Sendable, CustomStringConvertible {
    /// Where the partition stands now, read from the catalog by its OID.
    public enum State: Hashable, Sendable {
        /// Still attached and not pending detach: the detach never took effect.
        case attached
        /// Left pending detach by an interrupted `DETACH … CONCURRENTLY`.
        case detachPending
        /// A standalone table: detached, but not yet dropped or archived.
        case detached
        /// The table no longer exists.
        case gone
    }

    /// The table's OID: the ledger's key, stable across renames.
    public var oid: UInt32
    /// The partition's name now (as recorded, when it no longer exists).
    public var name: QualifiedName
    /// The partition's range when the retirement started, for reports.
    public var range: String
    /// What the retirement was to do once the partition is detached.
    public var action: RetentionAction
    public var state: State
    /// When the retirement was recorded.
    public var since: Date

    public init(
        oid: UInt32, name: QualifiedName, range: String, action: RetentionAction, state: State, since: Date
    ) {
        self.oid = oid
        self.name = name
        self.range = range
        self.action = action
        self.state = state
        self.since = since
    }

    public var description: String {
        let started = "\(action) of \(name) \(range), started \(ISO8601.string(since))"
        switch state {
        case .attached: return "\(started), never detached"
        case .detachPending: return "\(started), left pending detach"
        case .detached: return "\(started), detached but not finished"
        case .gone: return "\(started); the table is gone"
        }
    }
}
