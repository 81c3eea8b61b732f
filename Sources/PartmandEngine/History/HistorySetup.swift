import Foundation
import PartmandCore
import PartmandPostgres

/// `partmand setup` for the run history table: creates it when missing, then makes its partitions at
/// once with a pass over it alone, so that the first rows have somewhere to go.
public enum HistorySetup {
    /// Sets up the history table `spec` describes; throws only when the database cannot be reached.
    public static func run(_ spec: TableSpec, dryRun: Bool, pool: ConnectionPool, engine: MaintenanceEngine) throws
        -> [PartmanSetup.Step]
    {
        let table = spec.parent
        let outcome: Result<Bool, TableError> = try pool.withConnection { connection in
            do throws(PostgresError) {
                return .success(
                    dryRun
                        ? try !HistoryTableDDL.exists(table, on: connection)
                        : try HistoryTableDDL.create(table, on: connection))
            } catch {
                guard !error.isConnectionProblem else { throw error }
                return .failure(TableError(table: table, error))
            }
        }
        let created: Bool
        switch outcome {
        case .success(let value): created = value
        case .failure(let error):
            return [
                PartmanSetup.Step(
                    table: table, message: "cannot create the history table: \(error.detail)", changed: false,
                    failed: true)
            ]
        }
        let shape = "range-partitioned by month on \(RunHistoryTable.keyColumn)"
        if dryRun {
            return [
                created
                    ? step(table, "would create the history table (\(shape)) and its partitions", changed: true)
                    : step(table, "history table exists; nothing to do", changed: false)
            ]
        }
        var steps = [
            created
                ? step(table, "created the history table (\(shape))", changed: true)
                : step(table, "history table exists; nothing to do", changed: false)
        ]
        // Its own partitions, as any pass would make them (and retire the old ones).
        let report = engine.runPass([spec], now: Date(), clock: .system)
        if let unreachable = report.unreachable { throw unreachable }
        for tableReport in report.tables {
            if tableReport.status == .failed {
                let errors = tableReport.errors.map(\.detail).joined(separator: "; ")
                steps.append(
                    PartmanSetup.Step(
                        table: table, message: "cannot make its partitions: \(errors)", changed: false, failed: true))
            } else if !tableReport.created.isEmpty || !tableReport.retired.isEmpty {
                steps.append(
                    step(
                        table,
                        "made \(tableReport.created.count) partition(s), retired \(tableReport.retired.count)",
                        changed: true))
            }
        }
        return steps
    }

    private static func step(_ table: QualifiedName, _ message: String, changed: Bool) -> PartmanSetup.Step {
        PartmanSetup.Step(table: table, message: message, changed: changed, failed: false)
    }
}
