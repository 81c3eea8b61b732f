import Foundation
import PartmandCore
import PartmandEngine

/// Human-readable and JSON renderings of plans and pass reports.
enum ReportRendering {
    /// One block per table: its summary line, then one line per action, finding and error.
    static func text(_ reports: [TableReport], planned: Bool) -> String {
        var lines: [String] = []
        for report in reports {
            if planned {
                let verdict = report.status == .failed ? "FAILED" : "\(report.planned.count) action(s)"
                lines.append("\(report.table): \(verdict)")
                lines += report.distribution.map { ["  citus: \(describe($0))"] } ?? []
                lines += report.planned.map { "  would \($0)" }
                lines += report.errors.map { "  error: \($0.detail)" }
            } else {
                lines.append(report.summary)
                lines += report.created.map { "  created \($0)" }
                lines += report.createdDefault.map { ["  created default partition \($0)"] } ?? []
                lines += report.retired.map { "  \($0.action) \($0.name) \($0.range)" }
                lines += report.convertedToColumnar.map { "  converted \($0) to columnar" }
            }
            lines += report.findings.map { "  note: \($0)" }
            lines += report.notices.map { "  pg_partman: \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// The plan as JSON: `{"now", "standby", "citus_worker", "tables": [{"table", "status", "actions": [...],
    /// "findings", "errors", "distribution"}]}`; `standby` is true when the server is in recovery,
    /// `citus_worker` when it is a Citus worker node (a pass there would do nothing); `distribution` is
    /// how Citus distributes the table (null elsewhere).
    static func json(_ reports: [TableReport], now: Date, standby: Bool = false, citusWorker: Bool = false) -> String {
        let tables: [[String: Any]] = reports.map { report in
            [
                "table": report.table.unquoted,
                "engine": report.engine.rawValue,
                "status": report.status == .failed ? "failed" : "ok",
                "actions": report.planned.map(actionObject),
                "findings": report.findings.map(\.description),
                "errors": report.errors.map { error -> [String: Any] in
                    ["message": error.message, "sqlstate": error.sqlState ?? NSNull()]
                },
                "default_rows": report.defaultRowsLeft.map { $0.count } ?? 0,
                "distribution": report.distribution.map(distributionObject) ?? NSNull(),
            ]
        }
        let object: [String: Any] = [
            "now": ISO8601.string(now), "standby": standby, "citus_worker": citusWorker, "tables": tables,
        ]
        let data = try! JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// e.g. `distributed on source, 32 shards, colocation group 3`.
    private static func describe(_ distribution: CitusDistribution) -> String {
        let shards = Wording.count(distribution.shardCount, "shard")
        let group = "colocation group \(distribution.colocationID)"
        switch distribution.kind {
        case .distributed: return "distributed on \(distribution.column ?? "?"), \(shards), \(group)"
        case .reference: return "reference table, \(shards)"
        case .local: return "Citus local table"
        }
    }

    private static func distributionObject(_ distribution: CitusDistribution) -> [String: Any] {
        [
            "kind": distribution.kind.rawValue, "column": distribution.column ?? NSNull(),
            "shard_count": distribution.shardCount, "colocation_id": distribution.colocationID,
        ]
    }

    private static func actionObject(_ action: MaintenanceAction) -> [String: Any] {
        var object: [String: Any] = ["action": action.kind, "partition": action.partition.unquoted]
        switch action {
        case .createPartition(let new):
            object["from"] = new.range.lower.description
            object["to"] = new.range.upper.description
        case .createDefaultPartition:
            break
        case .retirePartition(let retired):
            object["from"] = retired.range.lower.description
            object["to"] = retired.range.upper.description
            object["finish_pending_detach"] = retired.finishPendingDetach
        case .finishRetirement(let unfinished):
            object["range"] = unfinished.range
            object["state"] = "\(unfinished.state)"
            object["since"] = ISO8601.string(unfinished.since)
        case .convertToColumnar(let partition):
            object["from"] = partition.range.lower.description
            object["to"] = partition.range.upper.description
            object["access_method"] = partition.accessMethod ?? NSNull()
        case .finishConversion(let unfinished):
            object["from"] = unfinished.range.lower.description
            object["to"] = unfinished.range.upper.description
            object["state"] = "\(unfinished.state)"
            object["since"] = ISO8601.string(unfinished.since)
        }
        return object
    }
}
