import Foundation
import PartmandCore
import PartmandEngine

/// Pass reports as the engine makes them, for tests without a database.
enum Reports {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let day: TimeInterval = 86400

    static func name(_ table: String) -> QualifiedName { QualifiedName(schema: "app", name: table) }

    /// A daily partition starting `days` days from `now`'s day.
    static func partition(_ table: String, days: Int) -> NewPartition {
        let start = Date(
            timeIntervalSince1970: (now.timeIntervalSince1970 / day).rounded(.down) * day + Double(days) * day)
        return NewPartition(
            name: QualifiedName(schema: "app", name: "\(table)_p\(days)"),
            range: PartitionRange(from: start, to: start.addingTimeInterval(day)))
    }

    static func ok(_ table: String, created: Int = 0) -> TableReport {
        var report = TableReport(table: name(table), status: .ok)
        let planned = (1...max(1, created)).map { partition(table, days: $0) }.prefix(created)
        report.planned = planned.map { .createPartition($0) }
        report.created = planned.map(\.name)
        return report
    }

    static func failed(_ table: String, sqlState: String?, message: String) -> TableReport {
        var report = TableReport(table: name(table), status: .failed)
        report.errors = [TableError(table: name(table), message: message, sqlState: sqlState, isDatabaseError: true)]
        return report
    }

    static func pass(_ tables: [TableReport], at start: Date = now) -> PassReport {
        var report = PassReport(runID: "test", startedAt: start)
        report.tables = tables
        report.duration = .milliseconds(1500)
        return report
    }

    static func spec(_ table: String, premake: Int = 4) -> TableSpec {
        var spec = TableSpec(parent: name(table), column: "at", interval: CalendarInterval(1, .day))
        spec.premake = premake
        return spec
    }
}
