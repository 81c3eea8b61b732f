import CLibPQ
import Foundation

/// An error from the database, the connection, decoding a value, or the pool.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// The connection could not be opened.
        case connectionFailed
        /// The connection broke while in use.
        case connectionLost
        /// The server reported an error; see `sqlState` (a cancelled statement is `57014`).
        case server
        /// A value could not be read as the requested type.
        case decoding
        /// No pooled connection became available in time.
        case poolExhausted
        /// The connection or pool has been closed.
        case closed
    }

    /// What went wrong.
    public var kind: Kind
    /// The SQLSTATE code, when the server sent one.
    public var sqlState: String?
    /// The primary message.
    public var message: String
    /// The server's detail message.
    public var detail: String?
    /// The server's hint.
    public var hint: String?
    /// What the statement or operation was for.
    public var purpose: String?
    /// The table concerned, as `schema.table`, when the server named one.
    public var table: String?

    /// Creates an error.
    public init(
        kind: Kind,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        purpose: String? = nil,
        table: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.purpose = purpose
        self.table = table
    }

    /// Creates an error from a failed statement's result.
    init(result: OpaquePointer, purpose: String, connectionLost: Bool) {
        let diagnostics = Diagnostics(result)
        self.init(
            kind: connectionLost ? .connectionLost : .server,
            message: diagnostics.message
                ?? String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines),
            sqlState: diagnostics.sqlState,
            detail: diagnostics.detail,
            hint: diagnostics.hint,
            purpose: purpose,
            table: diagnostics.qualifiedTable
        )
    }

    /// True when the connection is unusable: it failed or broke, or the server reported a
    /// connection exception (class 08) or a shutdown (57P01 to 57P03).
    public var isConnectionProblem: Bool {
        switch kind {
        case .connectionFailed, .connectionLost:
            return true
        case .server, .decoding, .poolExhausted, .closed:
            guard let sqlState else { return false }
            return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(sqlState)
        }
    }

    /// `purpose: message (SQLSTATE code) DETAIL: … HINT: …`, leaving out what is missing.
    public var description: String {
        var text = purpose.map { "\($0): " } ?? ""
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let detail { text += " DETAIL: \(detail)" }
        if let hint { text += " HINT: \(hint)" }
        return text
    }
}
