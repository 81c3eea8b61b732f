import Foundation
import PartmandTime

/// What `HealthAssessment` judges of one table: its plan, or why it could not be planned, and what else
/// was seen.
public struct HealthInput: Sendable, Equatable {
    /// Why planning the table failed.
    public struct Failure: Sendable, Equatable {
        /// The message, with its SQLSTATE when there is one.
        public var text: String
        /// The database refused a read (a lock timeout, a missing privilege…): the table could not be
        /// checked. Otherwise the failure is a verdict on the table (missing, not partitioned, blocked).
        public var isDatabaseError: Bool

        public init(text: String, isDatabaseError: Bool) {
            self.text = text
            self.isDatabaseError = isDatabaseError
        }
    }

    /// The session holding the table's advisory lock.
    public struct Lock: Sendable, Equatable {
        /// Who it is, for people.
        public var holder: String
        /// How long it has held the lock, when known.
        public var heldFor: TimeInterval?

        public init(holder: String, heldFor: TimeInterval?) {
            self.holder = holder
            self.heldFor = heldFor
        }
    }

    public var table: QualifiedName
    /// The table could not be planned (with `failures` saying why, when known).
    public var failed: Bool
    public var failures: [Failure]
    public var planned: [MaintenanceAction]
    public var findings: [Finding]
    public var lock: Lock?
    /// Rows in the default partition.
    public var defaultRows: DefaultRows?

    public init(
        table: QualifiedName, failed: Bool = false, failures: [Failure] = [], planned: [MaintenanceAction] = [],
        findings: [Finding] = [], lock: Lock? = nil, defaultRows: DefaultRows? = nil
    ) {
        self.table = table
        self.failed = failed
        self.failures = failures
        self.planned = planned
        self.findings = findings
        self.lock = lock
        self.defaultRows = defaultRows
    }
}

/// How one table stands, judged from its plan: will inserts keep landing in real partitions, and is
/// anything overdue? Pure: same input and instant, same verdict.
///
/// - critical: no partition holds `now` (a planned create contains it), or the table is wrong (missing,
///   not range-partitioned on the configured column) or its maintenance is blocked (the plan failed);
/// - unknown: the table could not be checked: the database refused a read (its default partition
///   locked, 55P03; not readable for the role, 42501; a statement timeout, 57014);
/// - warning: fewer partitions ahead than `premake`, holes before now, no default partition, partitions
///   past retention, rows in the default partition, or partmand's lock on the table held too long;
/// - ok otherwise.
///
/// pg_partman sets have no planned actions: their findings (premake shortfall, retention due) and
/// default-partition rows are judged instead; whether a partition holds `now` is not checked for them.
public struct HealthAssessment: Equatable, Sendable {
    /// Ordered by severity, so the worst of several is their maximum: CRITICAL over UNKNOWN (a table
    /// known to be broken matters more than one that could not be checked), UNKNOWN over WARNING (a
    /// table that could not be checked may be worse than a warning).
    public enum Status: String, Comparable, Sendable, CaseIterable {
        case ok
        case warning
        case unknown
        case critical

        /// The declaration order: ok, warning, unknown, critical.
        private var severity: Int { Self.allCases.firstIndex(of: self)! }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.severity < rhs.severity }
    }

    public var table: QualifiedName
    public var status: Status
    /// What is wrong, worst first; empty when ok.
    public var problems: [String]
    /// What an ok table reports instead of problems.
    public var okDetail: String

    /// Judges `input` at `now`; `premake` is the configured number of partitions ahead of a native table
    /// (nil when unknown, as for pg_partman sets); a lock held longer than `heldLockWarning` is a warning.
    public init(_ input: HealthInput, now: Date, premake: Int?, heldLockWarning: Duration = .seconds(3600)) {
        table = input.table
        var critical: [String] = []
        var unknown: [String] = []
        var warnings: [String] = []

        if input.failed {
            // A database error while reading means the table could not be checked; anything else is a
            // verdict on the table (missing, not partitioned, blocked).
            critical += input.failures.filter { !$0.isDatabaseError }.map(\.text)
            unknown += input.failures.filter(\.isDatabaseError).map { "could not check: " + $0.text }
            if input.failures.isEmpty { critical.append("the table could not be checked") }
        }

        var ahead = 0
        var behind = 0
        var retire = 0
        var defaultMissing = false
        for action in input.planned {
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
            case .retirePartition:
                retire += 1
            case .finishRetirement:
                break  // reported through its finding
            case .convertToColumnar, .finishConversion:
                break  // storage, not health; an unfinished conversion is reported through its finding
            }
        }
        if ahead > 0 {
            warnings.append(
                premake.map { "\(ahead) of \($0) partitions ahead missing" }
                    ?? "\(Wording.count(ahead, "partition")) ahead missing")
        }
        var retentionDue = retire
        for finding in input.findings {
            switch finding {
            case .premakeShortfall(let present, let wanted):
                warnings.append("\(wanted - present) of \(wanted) partitions ahead missing")
            case .retentionDue:
                retentionDue += 1
            case .unfinishedRetirement(let unfinished):
                warnings.append("unfinished retirement: \(unfinished)")
            case .unfinishedConversion(let unfinished):
                // Detached, its rows are out of the parent's reach until it is attached again.
                warnings.append("unfinished \(unfinished)")
            default:
                break
            }
        }
        if let lock = input.lock, let held = lock.heldFor, held > heldLockWarning.timeInterval {
            warnings.append(
                "locked for longer than \(Wording.span(heldLockWarning.timeInterval)): \(lock.holder); "
                    + "passes skip the table while it is held")
        }
        if behind > 0 { warnings.append("\(Wording.count(behind, "partition")) missing before now (gaps)") }
        if defaultMissing { warnings.append("no default partition") }
        if retentionDue > 0 {
            warnings.append("retention overdue: \(Wording.count(retentionDue, "partition")) to retire")
        }
        if let rows = input.defaultRows, rows.count > 0 {
            let span = [
                rows.oldest.map { "oldest \(ISO8601.string($0))" }, rows.newest.map { "newest \(ISO8601.string($0))" },
            ]
            .compactMap { $0 }
            warnings.append(
                "\(Wording.count(Int(rows.count), "row")) in default"
                    + (span.isEmpty ? "" : " (\(span.joined(separator: ", ")))"))
        }

        problems = critical + unknown + warnings
        status = !critical.isEmpty ? .critical : !unknown.isEmpty ? .unknown : !warnings.isEmpty ? .warning : .ok
        okDetail = premake.map { "\(Wording.count($0, "partition")) ahead" } ?? "partitions ahead cover premake"
    }

    /// `assessments` worst first (monitoring shows the first line), in their given order within a status.
    public static func worstFirst(_ assessments: [HealthAssessment]) -> [HealthAssessment] {
        assessments.enumerated()
            .sorted { ($0.element.status, $1.offset) > ($1.element.status, $0.offset) }
            .map(\.element)
    }

    /// The worst status of `assessments`; ok when there are none.
    public static func overall(_ assessments: [HealthAssessment]) -> Status {
        assessments.map(\.status).max() ?? .ok
    }
}
