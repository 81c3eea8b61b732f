import Foundation
import PartmandCore
import PartmandEngine

/// How one table stands, judged from its plan: will inserts keep landing in real partitions, and is
/// anything overdue? Pure: same report and instant, same verdict.
///
/// - critical: no partition holds `now` (a planned create contains it), or the table is wrong (missing,
///   not range-partitioned on the configured column) or its maintenance is blocked (the report failed);
/// - unknown: the table could not be checked: the database refused a read (its default partition
///   locked, 55P03; not readable for the role, 42501; a statement timeout, 57014);
/// - warning: fewer partitions ahead than `premake`, holes before now, no default partition, partitions
///   past retention, or rows in the default partition;
/// - ok otherwise.
///
/// pg_partman sets have no planned actions: their findings (premake shortfall, retention due) and
/// default-partition rows are judged instead; whether a partition holds `now` is not checked for them.
struct HealthAssessment: Equatable, Sendable {
    /// Ordered by severity, so the worst of several is their maximum: CRITICAL over UNKNOWN (a table
    /// known to be broken matters more than one that could not be checked), UNKNOWN over WARNING (a
    /// table that could not be checked may be worse than a warning).
    enum Status: String, Comparable, Sendable, CaseIterable {
        case ok
        case warning
        case unknown
        case critical

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

        /// The declaration order: ok, warning, unknown, critical.
        private var severity: Int { Self.allCases.firstIndex(of: self)! }

        static func < (lhs: Status, rhs: Status) -> Bool { lhs.severity < rhs.severity }
    }

    var table: QualifiedName
    var status: Status
    /// What is wrong, worst first; empty when ok.
    var problems: [String]
    /// What an ok table reports instead of problems.
    var okDetail: String

    /// Judges `report` (from `MaintenanceEngine.plan`) at `now`; `premake` is the configured number of
    /// partitions ahead of a native table (nil when unknown, as for pg_partman sets); a lock held longer
    /// than `heldLockWarning` is a warning.
    init(_ report: TableReport, now: Date, premake: Int?, heldLockWarning: Duration = .seconds(3600)) {
        table = report.table
        var critical: [String] = []
        var unknown: [String] = []
        var warnings: [String] = []

        if report.status == .failed {
            func text(_ error: TableError) -> String {
                error.message + (error.sqlState.map { error.message.contains($0) ? "" : " (SQLSTATE \($0))" } ?? "")
            }
            // A database error while reading means the table could not be checked; anything else is a
            // verdict on the table (missing, not partitioned, blocked).
            critical += report.errors.filter { !$0.isDatabaseError }.map(text)
            unknown += report.errors.filter(\.isDatabaseError).map { "could not check: " + text($0) }
            if report.errors.isEmpty { critical.append("the table could not be checked") }
        }

        var ahead = 0
        var behind = 0
        var retire: [RetiredPartition] = []
        var defaultMissing = false
        for action in report.planned {
            switch action {
            case .createPartition(let new):
                if new.range.contains(now) {
                    critical.append("no partition for now (\(ISO8601.string(now)))")
                } else if new.range.lower > .value(now) {
                    ahead += 1
                } else {
                    behind += 1
                }
            case .createDefaultPartition:
                defaultMissing = true
            case .retirePartition(let retired):
                retire.append(retired)
            case .finishRetirement:
                break  // reported through its finding
            }
        }
        if ahead > 0 {
            warnings.append(
                premake.map { "\(ahead) of \($0) partitions ahead missing" }
                    ?? "\(Self.count(ahead, "partition")) ahead missing")
        }
        var retentionDue = retire.count
        for finding in report.findings {
            switch finding {
            case .premakeShortfall(let present, let wanted):
                warnings.append("\(wanted - present) of \(wanted) partitions ahead missing")
            case .retentionDue:
                retentionDue += 1
            case .unfinishedRetirement(let unfinished):
                warnings.append("unfinished retirement: \(unfinished)")
            default:
                break
            }
        }
        if let holder = report.lockHolder, let held = holder.heldFor, held > heldLockWarning.timeInterval {
            warnings.append(
                "locked for longer than \(LockHolder.span(heldLockWarning.timeInterval)): \(holder); "
                    + "passes skip the table while it is held")
        }
        if behind > 0 { warnings.append("\(Self.count(behind, "partition")) missing before now (gaps)") }
        if defaultMissing { warnings.append("no default partition") }
        if retentionDue > 0 { warnings.append("retention overdue: \(Self.count(retentionDue, "partition")) to retire") }
        if let rows = report.defaultRowsLeft, rows.count > 0 {
            let span = [
                rows.oldest.map { "oldest \(ISO8601.string($0))" }, rows.newest.map { "newest \(ISO8601.string($0))" },
            ]
            .compactMap { $0 }
            warnings.append(
                "\(Self.count(Int(rows.count), "row")) in default"
                    + (span.isEmpty ? "" : " (\(span.joined(separator: ", ")))"))
        }

        problems = critical + unknown + warnings
        status = !critical.isEmpty ? .critical : !unknown.isEmpty ? .unknown : !warnings.isEmpty ? .warning : .ok
        okDetail = premake.map { "\(Self.count($0, "partition")) ahead" } ?? "partitions ahead cover premake"
    }

    /// `OK public.webhook_events: 4 partitions ahead`, or the status and the problems joined with "; ".
    var line: String {
        "\(status.label) \(table): " + (status == .ok ? okDetail : problems.joined(separator: "; "))
    }

    /// `assessments` worst first (monitoring shows the first line), in their given order within a status.
    static func worstFirst(_ assessments: [HealthAssessment]) -> [HealthAssessment] {
        assessments.enumerated()
            .sorted { ($0.element.status, $1.offset) > ($1.element.status, $0.offset) }
            .map(\.element)
    }

    /// The worst status of `assessments`; ok when there are none.
    static func overall(_ assessments: [HealthAssessment]) -> Status {
        assessments.map(\.status).max() ?? .ok
    }

    /// `1 row`, `3 rows`.
    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}

extension HealthAssessment {
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
