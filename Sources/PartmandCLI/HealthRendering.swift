import Foundation
import PartmandCore

extension HealthAssessment.Status {
    /// The Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    var exitCode: Int32 {
        switch self {
        case .ok: 0
        case .warning: 1
        case .critical: 2
        case .unknown: 3
        }
    }

    var label: String { rawValue.uppercased() }
}

extension HealthAssessment {
    /// `OK public.webhook_events: 4 partitions ahead`, or the status and the problems joined with "; ".
    var line: String {
        "\(status.label) \(table): " + (status == .ok ? okDetail : problems.joined(separator: "; "))
    }

    /// One line per table, or a single line when there is none.
    static func text(_ assessments: [HealthAssessment]) -> String {
        assessments.isEmpty ? "OK: no enabled tables to check" : assessments.map(\.line).joined(separator: "\n")
    }

    /// `{"status": "ok|warning|critical|unknown", "now": …, "tables": [{"table", "status", "problems": [...]}]}`;
    /// with `unknown` (nothing could be checked), status "unknown", that `message` and no tables.
    static func json(_ assessments: [HealthAssessment], now: Date, unknown: String? = nil) -> String {
        let tables: [[String: Any]] = assessments.map {
            ["table": "\($0.table)", "status": $0.status.rawValue, "problems": $0.problems]
        }
        var object: [String: Any] = [
            "status": overall(assessments).rawValue, "now": ISO8601.string(now), "tables": tables,
        ]
        if let unknown {
            object["status"] = Status.unknown.rawValue
            object["message"] = unknown
        }
        let data = try! JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
