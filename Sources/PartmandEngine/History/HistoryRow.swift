import Foundation
import PartmandCore
import PartmandPostgres

/// One row of the run history: what one pass did to one table. Built from the table's report alone,
/// so it never holds a connection string: a connection problem is recorded by its SQLSTATE and a
/// fixed message, every other message is the server's or partmand's own.
public struct HistoryRow: Sendable, Equatable {
    public var runID: String
    public var startedAt: Date
    public var finishedAt: Date
    public var table: QualifiedName
    public var engine: EngineKind
    /// `ok`, `skipped` or `failed`.
    public var status: String
    /// Partitions created, the default one included.
    public var created: Int
    public var retired: Int
    /// Rows moved out of the default partition.
    public var moved: Int
    /// The SQLSTATE of the first error that has one.
    public var sqlState: String?
    /// Why the table failed (its errors, `; `-separated) or was skipped.
    public var message: String?
    /// The version of partmand that wrote the row.
    public var version: String
    public var trigger: PassTrigger

    /// The longest message recorded, in characters; longer ones are cut and end with `…`.
    public static let maxMessageLength = 1000
    /// What a connection problem is recorded as: libpq's text may name hosts and users.
    static let connectionProblemMessage = "the connection to the database failed or broke (details in the log)"

    /// The row for `report`, which finished at `finishedAt` (it started `report.duration` before).
    public init(_ report: TableReport, runID: String, trigger: PassTrigger, finishedAt: Date) {
        self.runID = runID
        self.finishedAt = finishedAt
        startedAt = finishedAt.addingTimeInterval(-Double(report.duration.milliseconds) / 1000)
        table = report.table
        engine = report.engine
        created = report.created.count + (report.createdDefault == nil ? 0 : 1)
        retired = report.retired.count
        moved = report.rowsMoved
        version = PartmandVersion.description
        self.trigger = trigger
        switch report.status {
        case .ok:
            status = "ok"
        case .skipped(let reason):
            status = "skipped"
            message = reason
        case .failed:
            status = "failed"
            sqlState = report.errors.lazy.compactMap(\.sqlState).first
            let messages = report.errors.map { $0.isConnectionProblem ? Self.connectionProblemMessage : $0.message }
            message = messages.isEmpty ? nil : messages.joined(separator: "; ")
        }
        if let text = message, text.count > Self.maxMessageLength {
            message = String(text.prefix(Self.maxMessageLength - 1)) + "…"
        }
    }

    /// The columns `parameters` fills, in order.
    static let columns = [
        "run_id", "started_at", "finished_at", "table_schema", "table_name", "engine", "status", "created", "retired",
        "moved", "sqlstate", "message", "partmand_version", "trigger",
    ]

    /// The row's values, in the order of `columns`.
    var parameters: [PostgresValue?] {
        [
            .text(runID), PostgresValue(startedAt), PostgresValue(finishedAt), .text(table.schema), .text(table.name),
            .text(engine.rawValue), .text(status), PostgresValue(created), PostgresValue(retired), PostgresValue(moved),
            sqlState.map(PostgresValue.text), message.map(PostgresValue.text), .text(version), .text(trigger.rawValue),
        ]
    }
}
