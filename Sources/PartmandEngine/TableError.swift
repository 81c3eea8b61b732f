import PartmandCore
import PartmandPostgres

/// Why maintenance of one table failed; carries the SQLSTATE when the server gave one.
public struct TableError: Error, Sendable, CustomStringConvertible {
    public var table: QualifiedName
    public var message: String
    public var sqlState: String?
    /// True when the database could not be reached or the connection broke.
    public var isConnectionProblem: Bool
    /// True when the failure is an error from the database (a lock timeout, a missing privilege, …)
    /// rather than partmand finding the table wrong: for a read, the table could not be checked.
    public var isDatabaseError: Bool

    public init(
        table: QualifiedName, message: String, sqlState: String? = nil, isConnectionProblem: Bool = false,
        isDatabaseError: Bool = false
    ) {
        self.table = table
        self.message = message
        self.sqlState = sqlState
        self.isConnectionProblem = isConnectionProblem
        self.isDatabaseError = isDatabaseError
    }

    /// Wraps any failure: a PostgresError keeps its SQLSTATE and connection flag.
    public init(table: QualifiedName, _ error: any Error) {
        if let error = error as? PostgresError {
            self.init(
                table: table, message: error.description, sqlState: error.sqlState,
                isConnectionProblem: error.isConnectionProblem, isDatabaseError: true)
        } else {
            self.init(table: table, message: "\(error)")
        }
    }

    /// The message with its SQLSTATE, `… (SQLSTATE 55P03)`, unless the message already names it.
    public var detail: String {
        message + (sqlState.map { message.contains($0) ? "" : " (SQLSTATE \($0))" } ?? "")
    }

    public var description: String { "\(table): \(detail)" }
}
