import Foundation
import PartmandCore
import PartmandEngine

extension Runtime {
    /// One maintenance pass (see `MaintenanceEngine.runPass`); with `history:` configured, each table's
    /// row is written to the history table as soon as the table is done; the history table itself is
    /// maintained first, so that its partitions are there for the rows. When the history table does not
    /// exist, the pass leaves it out of `specs` and goes on without history (one warning).
    public func runPass(
        _ specs: [TableSpec], now: Date, clock: PassClock, runID: String = RunID.make(), trigger: PassTrigger
    ) -> PassReport {
        guard let history else { return engine.runPass(specs, now: now, clock: clock, runID: runID) }
        let recorder = HistoryRecorder(
            table: history.table, options: connectionOptions, runID: runID, trigger: trigger,
            timeouts: historyTimeouts, logger: logger)
        defer { recorder.finish() }
        let maintained =
            recorder.availability == .tableMissing ? specs.filter { $0.parent != history.table } : specs
        return engine.runPass(
            maintained, now: now, clock: clock, runID: runID, first: [history.table], tableFinished: recorder.record)
    }
}
