import Foundation
import PartmandCore
import PartmandPostgres

extension QualifiedName {
    /// The name quoted for SQL (through the one quoting helper).
    public var sql: String { SQL.qualified(schema, name) }
}

extension PartitionKeyType {
    /// `value` rendered as an input literal of this type, for use as a query parameter or to be quoted
    /// by the server. Instants of timestamp and date keys are wall-clock values kept as UTC.
    func text(for value: Date) -> String {
        guard case .text(let utc) = PostgresValue(value) else { preconditionFailure("dates render as text") }
        switch self {
        case .timestamptz: return utc
        case .timestamp: return String(utc.dropLast(3))
        case .date: return String(utc.prefix(10))
        }
    }
}

extension Duration {
    /// Whole milliseconds, as PostgreSQL timeout settings take them (`1500ms`).
    var settingText: String { "\(milliseconds)ms" }

    /// The time elapsed since `start`.
    static func since(_ start: Date) -> Duration {
        .milliseconds(Int64(Date().timeIntervalSince(start) * 1000))
    }
}
