import CLibPQ

/// A notice or warning the server sent while running a statement.
public struct PostgresNotice: Sendable {
    /// The severity, not localized: `NOTICE`, `WARNING`, `INFO`, `LOG` or `DEBUG`.
    public let severity: String
    /// The SQLSTATE code, e.g. `01000` for a warning.
    public let sqlState: String?
    /// The primary message.
    public let message: String
    /// The optional detail message.
    public let detail: String?
    /// The optional hint.
    public let hint: String?

    /// Reads a notice result handed to a notice receiver.
    init(_ result: OpaquePointer) {
        let diagnostics = Diagnostics(result)
        severity = diagnostics.severity ?? "NOTICE"
        sqlState = diagnostics.sqlState
        message = diagnostics.message ?? ""
        detail = diagnostics.detail
        hint = diagnostics.hint
    }
}
