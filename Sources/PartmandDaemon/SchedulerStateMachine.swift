import Foundation
import Logging
import PartmandConfig
import PartmandCore
import PartmandEngine
import PartmandTime

/// Every decision of `partmand run`, as a state machine: each event is a `mutating func` that returns
/// the actions the daemon's thin shell (`Daemon`) carries out (timers, sd_notify, passes, exit).
/// Pure: no clock, timer, signal or I/O; time comes in with the events.
///
/// Rules:
/// - the next scheduled run is the schedule's next instant after now, plus a random jitter of up to
///   `schedule.jitter`; it is recomputed after each due run, after a reload and after a wall-clock
///   jump (a jump between heartbeats larger than `clockJumpTolerance` against the monotonic clock);
/// - passes never overlap: a scheduled run that comes due while a pass runs is skipped (and said so),
///   not queued; a scheduled pass covers every table and clears the pending retries;
/// - a table that failed is retried on its own when its retry comes due (see `RetryBook`), only while
///   no pass runs; SIGUSR1 runs a pass over every table now, unless one runs;
/// - a reload loads the file; an invalid one is rejected and the old configuration kept; a valid one
///   takes effect at once, but a running pass finishes on the runtime it started with, which is closed
///   when that pass ends; retries of tables still configured are kept;
/// - a stop cancels the timer, says STOPPING, and exits 0 at once without a pass; with a pass it asks
///   for `shutdown_timeout` + 5 s more, cancels the pass and keeps cancelling it every second (a
///   cancel that lands between two statements is lost) until it ends, then exits 0; if it has not
///   ended within `shutdown_timeout`, exits 1; a second stop changes nothing;
/// - the watchdog is pinged only while the scheduler's heartbeat is fresher than the ping interval.
struct SchedulerStateMachine {
    /// What the shell does.
    enum Action: Equatable, Sendable {
        /// Start a pass over these tables now, on the current runtime.
        case startPass([TableSpec], reason: String)
        /// Arm the wall-clock timer for this instant (replacing any earlier arming).
        case arm(Date)
        case notify(Notification)
        /// Log `message` with `metadata`.
        case log(Logger.Level, String, [String: String] = [:])
        /// Read the configuration file again and report with `configurationLoaded`.
        case loadConfiguration
        /// Build a runtime for `configuration` and use it from now on; the old one is closed at once,
        /// or kept until `closeReplacedRuntimes` when a pass still uses it.
        case replaceRuntime(keepPreviousUntilPassEnds: Bool)
        case setLogLevel(Logger.Level)
        /// Close the runtimes a reload replaced while a pass still used them.
        case closeReplacedRuntimes
        /// Cancel the running pass: its stop signal and its statements.
        case cancelPass
        /// Call `shutdownDeadlinePassed` after this long.
        case startShutdownDeadline(Duration)
        /// Serve /metrics and /healthz on this address (none: stop serving). Asked at start when one
        /// is configured and after every accepted reload while one is or was: the server rebinds only
        /// when the address changed, and tries again an address it could not bind before.
        case serveMetrics(ListenAddress?)
        /// Stop the run timer.
        case cancelTimer
        /// Close the connections and exit with this status.
        case exit(Int32)
    }

    /// What goes to the service manager.
    enum Notification: Equatable, Sendable {
        case ready(String)
        case status(String)
        case reloading(String)
        case stopping(String)
        case extendTimeout(Duration)
    }

    /// A wall-clock jump larger than this (against the monotonic clock) recomputes the next run.
    static let clockJumpTolerance: Duration = .seconds(2)
    /// How often a stopping daemon cancels the running pass again.
    static let cancelInterval: Duration = .seconds(1)

    private(set) var configuration: PartmandConfiguration
    private let configurationPath: String
    private let systemZone: Zone
    private let logLevelFixed: Bool
    private var logLevel: Logger.Level
    private var schedule: Schedule
    private(set) var nextRun = Date.distantFuture
    private(set) var retries: RetryBook
    /// The tables of the running pass; nil when none runs.
    private(set) var runningPass: [TableSpec]?
    private var lastPass: PassReport?
    private(set) var stopping = false
    private var lastCancel: Duration?
    private var lastBeat: (wall: Date, monotonic: Duration)?
    private var random: SplitMix64

    /// `systemZone` is the zone of a schedule without `timezone`; `logLevel` the level in force
    /// (fixed by `--log-level` when `logLevelFixed`); `seed` drives the jitter.
    init(
        configuration: PartmandConfiguration, configurationPath: String, systemZone: Zone,
        logLevel: Logger.Level, logLevelFixed: Bool, seed: UInt64
    ) {
        self.configuration = configuration
        self.configurationPath = configurationPath
        self.systemZone = systemZone
        self.logLevel = logLevel
        self.logLevelFixed = logLevelFixed
        schedule = configuration.schedule.schedule(systemZone: systemZone)
        retries = RetryBook(retryAfter: configuration.schedule.retryAfter)
        random = SplitMix64(seed: seed)
    }

    var passRunning: Bool { runningPass != nil }

    /// The STATUS= line for now.
    var statusText: String {
        StatusLine.text(last: lastPass, next: nextRun, retryAt: retries.earliest, zone: schedule.timeZone)
    }

    // MARK: - Events

    /// The daemon has set up its timers and signal handlers.
    mutating func start(now: Date) -> [Action] {
        var actions = planNextRun(after: now)
        actions.append(
            .log(
                .info, "partmand started",
                [
                    "config": configuration.source, "tables": "\(configuration.tables.count)",
                    "next_run": "\(nextRun)",
                ]))
        // Listening before READY: once systemd says started, /healthz answers.
        if let listen = configuration.metrics.listen { actions.append(.serveMetrics(listen)) }
        actions.append(.notify(.ready("partmand \(PartmandVersion.description); " + statusText)))
        if configuration.schedule.runOnStart { actions += startPass(configuration.tables, reason: "start") }
        return actions
    }

    /// The wall-clock timer fired, or the heartbeat checks what is due.
    mutating func timerFired(now: Date) -> [Action] {
        guard !stopping else { return [] }
        var actions: [Action] = []
        if now >= nextRun {
            actions += planNextRun(after: now)
            if passRunning {
                actions.append(.log(.warning, "a pass is still running; the scheduled pass is skipped, not run twice"))
            } else {
                retries.clear()
                actions += startPass(configuration.tables, reason: "schedule")
            }
        } else if !passRunning {
            let due = Set(retries.due(at: now))
            if !due.isEmpty {
                actions += startPass(configuration.tables.filter { due.contains($0.parent) }, reason: "retry")
            }
        }
        actions.append(.arm(armInstant))
        return actions
    }

    /// The scheduler's regular beat: notices wall-clock jumps (and suspends), keeps cancelling a pass
    /// that must stop, and checks what is due. `monotonic` is a monotonic clock reading.
    mutating func heartbeat(now: Date, monotonic: Duration) -> [Action] {
        var actions: [Action] = []
        if let last = lastBeat {
            let wallElapsed = now.timeIntervalSince(last.wall)
            let monotonicElapsed = (monotonic - last.monotonic).timeInterval
            if abs(wallElapsed - monotonicElapsed) > Self.clockJumpTolerance.timeInterval {
                actions.append(
                    .log(
                        .notice,
                        "wall clock jumped by \(Int(wallElapsed - monotonicElapsed)) s; recomputing the next run"))
                if now < nextRun { actions += planNextRun(after: now) }
            }
        }
        lastBeat = (now, monotonic)
        if stopping, passRunning, monotonic - (lastCancel ?? monotonic) >= Self.cancelInterval {
            lastCancel = monotonic
            actions.append(.cancelPass)
        }
        return actions + timerFired(now: now)
    }

    /// SIGUSR1: a pass over every table now.
    mutating func passRequested(now: Date) -> [Action] {
        guard !stopping else { return [] }
        retries.clear()
        return [.log(.notice, "SIGUSR1: running a pass now")] + startPass(configuration.tables, reason: "SIGUSR1")
            + [.arm(armInstant)]
    }

    /// The running pass ended with `report` at `now`.
    mutating func passFinished(_ report: PassReport, now: Date) -> [Action] {
        let tables = runningPass ?? []
        runningPass = nil
        lastPass = report
        let names = Set(tables.map(\.parent))
        let failed =
            report.unreachable != nil ? names : Set(report.tables.filter { $0.status == .failed }.map(\.table))
        retries.record(failed: failed, succeeded: names.subtracting(failed), at: now)
        let summary =
            report.unreachable.map { "pass failed: database unreachable: \($0.message)" }
            ?? "pass finished: \(report.tables.count) tables, \(report.createdCount) created, "
            + "\(report.retiredCount) retired, \(report.failedCount) failed"
        var actions: [Action] = [
            .closeReplacedRuntimes,
            .log(
                report.succeeded ? .info : .warning, summary,
                ["run_id": report.runID, "duration_ms": "\(report.duration.milliseconds)"]),
        ]
        if stopping { return actions + [.log(.notice, "stopped"), .exit(0)] }
        actions.append(.notify(.status(statusText)))
        return actions + timerFired(now: now)
    }

    /// SIGHUP: read the configuration again.
    mutating func reloadRequested() -> [Action] {
        guard !stopping else { return [] }
        return [.notify(.reloading("reloading \(configurationPath)")), .loadConfiguration]
    }

    /// The configuration file was read again (or could not be).
    mutating func configurationLoaded(_ result: Result<PartmandConfiguration, ConfigError>, now: Date)
        -> [Action]
    {
        let fresh: PartmandConfiguration
        switch result {
        case .failure(let error):
            return [
                .log(.error, "reload rejected, keeping the previous configuration: \(error)"),
                .notify(.ready("reload rejected (\(error)); " + statusText)),
            ]
        case .success(let configuration):
            fresh = configuration
        }
        var actions: [Action] = []
        if !logLevelFixed, fresh.log.level != logLevel {
            logLevel = fresh.log.level
            actions += [.setLogLevel(logLevel), .log(.notice, "log level is now \(logLevel)")]
        }
        let servedMetrics = configuration.metrics.listen
        configuration = fresh
        actions.append(.replaceRuntime(keepPreviousUntilPassEnds: passRunning))
        if servedMetrics != nil || fresh.metrics.listen != nil { actions.append(.serveMetrics(fresh.metrics.listen)) }
        schedule = fresh.schedule.schedule(systemZone: systemZone)
        var kept = RetryBook(retryAfter: fresh.schedule.retryAfter)
        for (table, entry) in retries.entries { kept.restore(table, entry) }
        kept.keep(only: Set(fresh.tables.map(\.parent)))
        retries = kept
        actions += planNextRun(after: now)
        actions.append(
            .log(
                .notice, "configuration reloaded",
                ["config": fresh.source, "tables": "\(fresh.tables.count)", "next_run": "\(nextRun)"]))
        actions.append(.notify(.ready(statusText)))
        return actions
    }

    /// SIGTERM or SIGINT, at monotonic clock reading `monotonic`.
    mutating func stopRequested(signal: String, monotonic: Duration) -> [Action] {
        guard !stopping else { return [] }
        stopping = true
        lastCancel = monotonic
        var actions: [Action] = [.log(.notice, "stopping on \(signal)"), .cancelTimer, .notify(.stopping("stopping"))]
        guard passRunning else { return actions + [.log(.notice, "stopped"), .exit(0)] }
        let timeout = configuration.schedule.shutdownTimeout
        actions += [.notify(.extendTimeout(timeout + .seconds(5))), .cancelPass, .startShutdownDeadline(timeout)]
        return actions
    }

    /// `shutdown_timeout` has passed since the stop.
    mutating func shutdownDeadlinePassed() -> [Action] {
        guard passRunning else { return [] }
        return [
            .log(
                .error, "the running pass did not stop within \(configuration.schedule.shutdownTimeout); exiting anyway"
            ),
            .exit(1),
        ]
    }

    /// Whether the watchdog may be pinged: only while the scheduler's last beat is fresher than the
    /// ping interval, so a hung scheduler stops the pings and systemd restarts the service.
    static func mayPingWatchdog(heartbeatAge: Duration, pingInterval: Duration) -> Bool {
        heartbeatAge < pingInterval
    }

    // MARK: - Helpers

    private mutating func startPass(_ tables: [TableSpec], reason: String) -> [Action] {
        guard !passRunning, !stopping, !tables.isEmpty || configuration.partman.tables == .all else { return [] }
        runningPass = tables
        return [.startPass(tables, reason: reason), .notify(.status("pass running (\(reason)); " + statusText))]
    }

    private mutating func planNextRun(after instant: Date) -> [Action] {
        let jitter = configuration.schedule.jitter.timeInterval
        let delay = jitter > 0 ? Double.random(in: 0...jitter, using: &random) : 0
        nextRun = schedule.nextRun(after: instant).addingTimeInterval(delay)
        return [.arm(armInstant)]
    }

    /// The next scheduled run or retry, whichever comes first.
    private var armInstant: Date { min(nextRun, retries.earliest ?? .distantFuture) }
}
