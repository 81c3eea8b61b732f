import Foundation
import PartmandCore

/// The outcome of one maintenance pass over one table.
public struct TableReport: Sendable {
    /// How the table came out of the pass.
    public enum Status: Sendable, Equatable {
        case ok
        case skipped(String)
        case failed
    }

    public var table: QualifiedName
    public var status: Status
    public var created: [QualifiedName] = []
    public var createdDefault: QualifiedName?
    public var retired: [RetiredPartition] = []
    /// Retirements earlier passes left unfinished, finished (or cleared) by this one.
    public var finishedRetirements: [UnfinishedRetirement] = []
    /// Retirements the planner wanted but the pass refused: its `now` was not the server's clock.
    public var refusedRetirements: [MaintenanceAction] = []
    public var rowsMoved = 0
    /// Statements retried after a lock timeout or a deadlock.
    public var lockRetries = 0
    /// What the planner wanted (for dry runs and plans, the only content).
    public var planned: [MaintenanceAction] = []
    public var findings: [Finding] = []
    /// Rows still in the default partition after the pass.
    public var defaultRowsLeft: DefaultRows?
    public var errors: [TableError] = []
    public var duration: Duration = .zero
    /// Who maintained the table.
    public var engine: EngineKind = .native
    /// The session holding the table's advisory lock, when the table was skipped for it (or, in a
    /// plan, when some session holds it).
    public var lockHolder: LockHolder?
    /// Notices pg_partman sent while maintaining the set.
    public var notices: [String] = []
    /// Partitions rewritten with the columnar access method.
    public var convertedToColumnar: [QualifiedName] = []
    /// How Citus distributes the table, on a Citus coordinator.
    public var distribution: CitusDistribution?

    public init(table: QualifiedName, status: Status) {
        self.table = table
        self.status = status
    }

    /// One line for logs and the CLI.
    public var summary: String {
        switch status {
        case .skipped(let reason): return "\(table): skipped: \(reason)"
        case .ok, .failed:
            var parts = ["\(created.count + (createdDefault == nil ? 0 : 1)) created", "\(retired.count) retired"]
            if !finishedRetirements.isEmpty {
                parts.append("\(finishedRetirements.count) unfinished retirement(s) finished")
            }
            if !refusedRetirements.isEmpty { parts.append("\(refusedRetirements.count) retirement(s) refused") }
            if !convertedToColumnar.isEmpty { parts.append("\(convertedToColumnar.count) converted to columnar") }
            if rowsMoved > 0 { parts.append("\(rowsMoved) rows moved from default") }
            if let left = defaultRowsLeft, left.count > 0 { parts.append("\(left.count) rows left in default") }
            let head = "\(table): \(status == .ok ? "ok" : "FAILED"): " + parts.joined(separator: ", ")
            return ([head] + errors.map { "  error: \($0.detail)" }).joined(separator: "\n")
        }
    }
}

/// The outcome of one maintenance pass.
public struct PassReport: Sendable {
    public var runID: String
    public var startedAt: Date
    public var duration: Duration = .zero
    public var tables: [TableReport] = []
    /// Set when the pass could not start: the database was unreachable.
    public var unreachable: TableError?
    /// The server is a standby; nothing was done.
    public var standby = false
    /// The server is a Citus worker node; nothing was done (partmand works from the coordinator).
    public var citusWorker = false

    public init(runID: String, startedAt: Date) {
        self.runID = runID
        self.startedAt = startedAt
    }

    /// True when every table is ok or deliberately skipped.
    public var succeeded: Bool {
        unreachable == nil && tables.allSatisfy { $0.status != .failed }
    }

    public var createdCount: Int { tables.reduce(0) { $0 + $1.created.count + ($1.createdDefault == nil ? 0 : 1) } }
    public var retiredCount: Int { tables.reduce(0) { $0 + $1.retired.count } }
    public var failedCount: Int { tables.filter { $0.status == .failed }.count }
}

/// What `MaintenanceEngine.plan` found: each table's plan or failure, and the server's role.
public struct PlanReport: Sendable {
    /// One report per enabled table (and pg_partman set), in configuration order.
    public var tables: [TableReport]
    /// The server is a standby (in recovery): a pass there would skip every table.
    public var standby: Bool
    /// The server is a Citus worker node: a pass there would skip every table.
    public var citusWorker: Bool

    public init(tables: [TableReport], standby: Bool, citusWorker: Bool = false) {
        self.tables = tables
        self.standby = standby
        self.citusWorker = citusWorker
    }

    /// True when some table could not be planned.
    public var failed: Bool { tables.contains { $0.status == .failed } }
}
