import Foundation
import PartmandCore
import PartmandEngine

/// What one table's report says about the table's state after a pass, for the gauges. Derived from what
/// the report carries (the plan, the findings, what was done), so nothing is read from the database.
public struct TableFigures: Sendable, Equatable {
    /// Partitions lying ahead of now after the pass: premake minus those still missing (more may exist
    /// when premake was lowered). Nil when premake is unknown (a pg_partman set without a shortfall).
    public var partitionsAhead: Int?
    /// Partitions ahead that premake asks for and that do not exist after the pass.
    public var premakeMissing: Int
    /// Rows left in the default partition.
    public var defaultRows: Int64
    /// Partitions past retention that are still there after the pass.
    public var retentionOverdue: Int

    public init(partitionsAhead: Int?, premakeMissing: Int, defaultRows: Int64, retentionOverdue: Int) {
        self.partitionsAhead = partitionsAhead
        self.premakeMissing = premakeMissing
        self.defaultRows = defaultRows
        self.retentionOverdue = retentionOverdue
    }

    /// The figures of `report` from a pass at `now`; `premake` is the configured premake (nil when not
    /// known). Nil when the report says nothing about the table's state: it was skipped, or it failed
    /// before it could be planned (the previous figures then still stand).
    public init?(_ report: TableReport, premake: Int?, now: Date) {
        switch report.status {
        case .skipped: return nil
        case .failed where report.planned.isEmpty && report.findings.isEmpty && report.defaultRowsLeft == nil:
            return nil
        case .ok, .failed: break
        }
        let created = Set(report.created)
        var missing = 0
        var plannedRetirements = 0
        for action in report.planned {
            switch action {
            case .createPartition(let new) where new.range.lower > .value(now) && !created.contains(new.name):
                missing += 1
            case .retirePartition: plannedRetirements += 1
            default: break
            }
        }
        var wanted = premake
        var retentionDue = 0
        for finding in report.findings {
            switch finding {
            case .premakeShortfall(let ahead, let premake):
                // A pg_partman set: what pg_partman made this pass counts against the shortfall.
                wanted = premake
                missing = max(0, premake - ahead - report.created.count)
            case .retentionDue: retentionDue += 1
            default: break
            }
        }
        partitionsAhead = wanted.map { max(0, $0 - missing) }
        premakeMissing = missing
        defaultRows = report.defaultRowsLeft?.count ?? 0
        retentionOverdue = max(0, plannedRetirements + retentionDue - report.retired.count)
    }
}
