import Foundation
import PartmandCore
import PartmandEngine

/// What the daemon has told the observatory so far: passes, each table's last attempt, the schedule.
/// A value: `Observatory` keeps it behind a lock and hands out copies.
public struct ObservedState: Sendable {
    /// One table's last attempt.
    public struct Table: Sendable, Equatable {
        /// When the last attempt (a scheduled pass or a retry) ended.
        public var lastAttempt: Date
        /// Why it failed; nil when it succeeded.
        public var failure: TableFailure?
        /// When an attempt last succeeded; nil when none has since partmand started.
        public var lastSuccess: Date?
        /// The table's state after the last attempt that said anything about it.
        public var figures: TableFigures?
    }

    /// When the daemon started (the baseline of "seconds since the last success" before any).
    public var startedAt: Date
    public var lastPassStart: Date?
    public var lastPassEnd: Date?
    /// The end of the last pass in which every table succeeded.
    public var lastPassSuccess: Date?
    public var lastPassDuration: Duration?
    /// When the running pass started; nil when none runs.
    public var passRunningSince: Date?
    public var nextRun: Date?
    public var nextRetry: Date?
    public var tables: [QualifiedName: Table] = [:]

    public init(startedAt: Date) {
        self.startedAt = startedAt
    }

    /// Notes a pass that ended at `now` with `report`: each reported table's outcome; every table of
    /// the pass (`covered`) failed when the database was unreachable. Skipped tables keep their last
    /// attempt (a standby, a lock held by another partmand, a shutdown decide nothing about them).
    public mutating func record(
        _ report: PassReport, covered: [QualifiedName], premake: [QualifiedName: Int], now: Date
    ) {
        passRunningSince = nil
        lastPassStart = report.startedAt
        lastPassEnd = now
        lastPassDuration = report.duration
        if report.succeeded { lastPassSuccess = now }
        if let unreachable = report.unreachable {
            for table in covered { fail(table, TableFailure(unreachable), at: now) }
            return
        }
        for tableReport in report.tables {
            let table = tableReport.table
            switch tableReport.status {
            case .skipped: continue
            case .ok:
                var state = tables[table] ?? Table(lastAttempt: now)
                state.lastAttempt = now
                state.failure = nil
                state.lastSuccess = now
                tables[table] = state
            case .failed:
                let failure =
                    tableReport.errors.first.map(TableFailure.init)
                    ?? TableFailure(sqlstate: nil, message: "failed without an error message")
                fail(table, failure, at: now)
            }
            if let figures = TableFigures(tableReport, premake: premake[table], now: now) {
                tables[table]?.figures = figures
            }
        }
    }

    private mutating func fail(_ table: QualifiedName, _ failure: TableFailure, at now: Date) {
        var state = tables[table] ?? Table(lastAttempt: now)
        state.lastAttempt = now
        state.failure = failure
        tables[table] = state
    }

    /// Forgets tables no longer maintained (after a reload).
    public mutating func keep(only maintained: Set<QualifiedName>) {
        tables = tables.filter { maintained.contains($0.key) }
    }

    /// The tables whose last attempt failed, by name.
    public var failingTables: [(table: QualifiedName, failure: TableFailure)] {
        tables.compactMap { name, state in state.failure.map { (name, $0) } }.sorted { $0.table < $1.table }
    }
}
