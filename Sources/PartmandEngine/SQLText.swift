import Foundation
import PartmandCore
import PartmandPostgres

extension QualifiedName {
    /// The name quoted for SQL (through the one quoting helper).
    var sql: String { SQL.qualified(schema, name) }
}

extension PartitionKeyType {
    /// `value` rendered as an input literal of this type, for use as a query parameter or to be quoted
    /// by the server. Instants of timestamp and date keys are wall-clock values kept as UTC.
    func text(for value: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: value)
        let day = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        let micros = Int((Double(c.nanosecond!) / 1000).rounded())
        let time =
            String(format: "%02d:%02d:%02d", c.hour!, c.minute!, c.second!)
            + (micros > 0 ? String(format: ".%06d", micros) : "")
        switch self {
        case .date: return day
        case .timestamp: return "\(day) \(time)"
        case .timestamptz: return "\(day) \(time)+00"
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
