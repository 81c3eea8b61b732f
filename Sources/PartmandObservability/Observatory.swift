import Foundation
import PartmandConfig
import PartmandCore
import PartmandEngine
import PartmandTime
import Synchronization

/// What `partmand run` shows to monitoring, kept in memory: the daemon reports passes, retries and its
/// schedule; `/metrics` and `/healthz` read a copy under the lock and never touch the database.
public final class Observatory: Sendable {
    private let state: Mutex<ObservedState>
    /// The Prometheus registry.
    public let metrics: PartmandMetrics
    private let heartbeatAge: @Sendable () -> Duration
    private let now: @Sendable () -> Date
    private let stallAfter: Duration

    /// `heartbeatAge` reads the age of the scheduler's last heartbeat; `now` the wall clock (both from
    /// the daemon's injected clock). A heartbeat older than `stallAfter` is a stalled scheduler.
    public init(
        startedAt: Date, heartbeatAge: @escaping @Sendable () -> Duration, now: @escaping @Sendable () -> Date,
        stallAfter: Duration = HealthVerdict.defaultStallAfter, metrics: PartmandMetrics = PartmandMetrics()
    ) {
        state = Mutex(ObservedState(startedAt: startedAt))
        self.metrics = metrics
        self.heartbeatAge = heartbeatAge
        self.now = now
        self.stallAfter = stallAfter
    }

    /// A copy of the observed state.
    public var snapshot: ObservedState { state.withLock { $0 } }

    // MARK: - What the daemon reports

    /// A pass (or retry) started at `instant`.
    public func passStarted(at instant: Date) {
        state.withLock { $0.passRunningSince = instant }
    }

    /// A pass over `tables` ended at `instant` with `report`.
    public func passFinished(_ report: PassReport, tables: [TableSpec], at instant: Date) {
        let covered = tables.map(\.parent)
        let premake = Dictionary(tables.map { ($0.parent, $0.premake) }) { first, _ in first }
        state.withLock { $0.record(report, covered: covered, premake: premake, now: instant) }
        metrics.record(report, covered: covered)
    }

    /// The scheduler's next pass and the earliest retry.
    public func scheduled(nextRun: Date?, nextRetry: Date?) {
        state.withLock {
            $0.nextRun = nextRun == .distantFuture ? nil : nextRun
            $0.nextRetry = nextRetry
        }
    }

    /// After a reload: forgets the tables no longer maintained; nil keeps every table (with
    /// `pg_partman: { tables: all }` the maintained sets are known only from the passes).
    public func keep(only tables: Set<QualifiedName>?) {
        guard let tables else { return }
        state.withLock { $0.keep(only: tables) }
    }

    // MARK: - What monitoring reads

    /// The `/healthz` verdict now.
    public func health() -> HealthVerdict {
        HealthVerdict(snapshot, heartbeatAge: heartbeatAge(), stallAfter: stallAfter)
    }

    /// The `/metrics` text now.
    public func exposition() -> [UInt8] {
        let verdict = health()
        return metrics.exposition(snapshot, heartbeat: verdict.scheduler, now: now())
    }
}

extension Observatory {
    /// A configuration took effect (a reload): tables it no longer lists are forgotten, unless it
    /// maintains every pg_partman set (those are known from the passes only).
    public func configured(_ configuration: PartmandConfiguration) {
        keep(only: configuration.partman.tables == .all ? nil : Set(configuration.tables.map(\.parent)))
    }
}
