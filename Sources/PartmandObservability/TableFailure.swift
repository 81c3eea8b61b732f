import PartmandEngine

/// Why a table's last attempt failed, as /healthz and the failure counter show it: the SQLSTATE and the
/// first line of the message, cut short. Never the connection string: messages are the server's or
/// partmand's own error texts, the same the log shows.
public struct TableFailure: Sendable, Equatable, Codable {
    /// The SQLSTATE, when the database gave one.
    public var sqlstate: String?
    public var message: String

    /// The longest message kept.
    static let maxMessageLength = 300

    public init(sqlstate: String?, message: String) {
        self.sqlstate = sqlstate
        let firstLine = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        self.message =
            firstLine.count > Self.maxMessageLength
            ? String(firstLine.prefix(Self.maxMessageLength)) + "…" : firstLine
    }

    public init(_ error: TableError) {
        self.init(sqlstate: error.sqlState, message: error.message)
    }

    /// The SQLSTATE class (its first two characters) for the failure counter's label; `none` when the
    /// failure is partmand's own verdict, without a SQLSTATE.
    public var sqlstateClass: String {
        guard let sqlstate, sqlstate.count >= 2 else { return "none" }
        return String(sqlstate.prefix(2))
    }
}
