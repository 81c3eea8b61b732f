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
    public var rowsMoved = 0
    /// What the planner wanted (for dry runs and plans, the only content).
    public var planned: [MaintenanceAction] = []
    public var findings: [Finding] = []
    /// Rows still in the default partition after the pass.
    public var defaultRowsLeft: DefaultRows?
    public var errors: [TableError] = []
    public var duration: Duration = .zero
    /// Who maintained the table.
    public var engine: EngineKind = .native
    /// Notices pg_partman sent while maintaining the set.
    public var notices: [String] = []

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
            if rowsMoved > 0 { parts.append("\(rowsMoved) rows moved from default") }
            if let left = defaultRowsLeft, left.count > 0 { parts.append("\(left.count) rows left in default") }
            let head = "\(table): \(status == .ok ? "ok" : "FAILED"): " + parts.joined(separator: ", ")
            return ([head] + errors.map { "  error: \($0.message)" + ($0.sqlState.map { " [\($0)]" } ?? "") })
                .joined(separator: "\n")
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
