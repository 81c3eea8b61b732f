import Dispatch
import Foundation
import Logging
import PartmandConfig
import PartmandCore
import PartmandEngine
import PartmandSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// `partmand run`: runs maintenance passes on a schedule until stopped.
///
/// All state lives on one serial scheduler queue; passes run on a second queue so the scheduler stays
/// responsive (signals, heartbeat, watchdog) while a long pass runs. The next run is computed from the
/// wall clock each time and armed on a wall-clock timer; a heartbeat (every second, faster under a
/// short watchdog) also checks for due runs and notices clock jumps (and suspends), after which the
/// next run is recomputed.
public final class Daemon: @unchecked Sendable {
    /// What the daemon needs from outside.
    public struct Options: Sendable {
        public var configPath: String
        public var environment: [String: String]
        /// Enables SIGUSR2 to stall the scheduler queue, for the watchdog test.
        public var testHooks: Bool
        /// True when `--log-level` fixed the level: a reload then leaves it alone.
        public var logLevelFixed: Bool

        public init(configPath: String, environment: [String: String], logLevelFixed: Bool = false) {
            self.configPath = configPath
            self.environment = environment
            self.logLevelFixed = logLevelFixed
            testHooks = environment["PARTMAND_TEST_HOOKS"] == "1"
        }
    }

    private let options: Options
    /// Scheduler-queue state like the rest: a reload may change its level.
    private var logger: Logger
    private let notifier = ServiceNotifier()
    private let queue = DispatchQueue(label: "partmand.scheduler")
    private let passQueue = DispatchQueue(label: "partmand.pass")
    private let heartbeat = Heartbeat()

    // Scheduler-queue state.
    private var config: PartmandConfiguration
    private var runtime: Runtime
    private var schedule: Schedule
    private var nextRun = Date.distantFuture
    private var retries: RetryBook
    private var passRunning = false
    /// The runtime the running pass uses (it may be older than `runtime` after a reload).
    private var passRuntime: Runtime?
    /// Runtimes replaced by a reload while a pass still used them; closed when the pass ends.
    private var replacedRuntimes: [Runtime] = []
    private var lastPass: PassReport?
    private var stopping = false
    private var sources: [DispatchSourceProtocol] = []
    private var runTimer: DispatchSourceTimer?
    private var lastWall = Date()
    private var lastMonotonic = DispatchTime.now()

    /// A wall-clock jump larger than this (against the monotonic clock) recomputes the next run.
    static let clockJumpTolerance: TimeInterval = 2

    public init(config: PartmandConfiguration, options: Options, logger: Logger) {
        self.config = config
        self.options = options
        self.logger = logger
        runtime = Runtime(config, logger: logger)
        schedule = config.schedule.schedule(systemZone: .current)
        retries = RetryBook(retryAfter: config.schedule.retryAfter)
    }

    /// Starts the service; never returns (the process exits on SIGTERM or SIGINT).
    public func run() -> Never {
        queue.async { self.start() }
        dispatchMain()
    }

    // MARK: - Start, reload, stop

    private func start() {
        installSignalHandlers()
        let watchdogTimeout = ServiceNotifier.watchdogTimeout()
        startHeartbeat(every: Self.heartbeatPeriod(watchdogTimeout: watchdogTimeout))
        startWatchdog(timeout: watchdogTimeout)
        runTimer = DispatchSource.makeTimerSource(queue: queue)
        runTimer?.setEventHandler { [unowned self] in checkDue() }
        runTimer?.resume()
        planNextRun(after: Date())
        logger.info(
            "partmand started",
            metadata: ["config": "\(config.source)", "tables": "\(config.tables.count)", "next_run": "\(nextRun)"])
        notifier.ready(status: statusText())
        if config.schedule.runOnStart { startPass(config.tables, reason: "start") }
    }

    private func reload() {
        notifier.reloading(status: "reloading \(options.configPath)")
        let fresh: PartmandConfiguration
        do {
            fresh = try ConfigLoader.load(path: options.configPath, environment: options.environment)
        } catch {
            logger.error("reload rejected, keeping the previous configuration: \(error)")
            notifier.ready(status: "reload rejected (\(error)); " + statusText())
            return
        }
        if !options.logLevelFixed, let level = Logger.Level(rawValue: fresh.log.level), level != logger.logLevel {
            logger.logLevel = level
            logger.notice("log level is now \(level)")
        }
        let previous = runtime
        config = fresh
        runtime = Runtime(fresh, logger: logger)
        if passRunning {
            replacedRuntimes.append(previous)
        } else {
            previous.pool.close()
        }
        schedule = fresh.schedule.schedule(systemZone: .current)
        var kept = RetryBook(retryAfter: fresh.schedule.retryAfter)
        for (table, entry) in retries.entries where fresh.tables.contains(where: { $0.parent == table }) {
            kept.restore(table, entry)
        }
        retries = kept
        planNextRun(after: Date())
        logger.notice(
            "configuration reloaded",
            metadata: ["config": "\(fresh.source)", "tables": "\(fresh.tables.count)", "next_run": "\(nextRun)"])
        notifier.ready(status: statusText())
    }

    private func stop(signal name: String) {
        guard !stopping else { return }
        stopping = true
        logger.notice("stopping on \(name)")
        runTimer?.cancel()
        notifier.stopping(status: "stopping")
        guard passRunning else { return finishStop() }
        let timeout = config.schedule.shutdownTimeout
        notifier.extendTimeout(by: timeout + .seconds(5))
        let active = passRuntime ?? runtime
        active.engine.stopSignal.stop()
        cancelStatements(of: active)
        queue.asyncAfter(deadline: .now() + timeout.timeInterval) { [unowned self] in
            logger.error("the running pass did not stop within \(timeout); exiting anyway")
            exit(1)
        }
    }

    /// Cancels the running pass's statements, and again every second until the pass ends: a cancel
    /// that arrives between two statements is lost, and the next one (a FINALIZE, a rollback's
    /// follow-up) must not run on for its whole timeout.
    private func cancelStatements(of active: Runtime) {
        guard passRunning else { return }
        active.pool.cancelAll()
        queue.asyncAfter(deadline: .now() + 1) { [unowned self] in cancelStatements(of: active) }
    }

    private func finishStop() {
        runtime.pool.close()
        logger.notice("stopped")
        exit(0)
    }

    // MARK: - Scheduling

    private func planNextRun(after instant: Date) {
        let jitter = config.schedule.jitter.timeInterval
        nextRun = schedule.nextRun(after: instant).addingTimeInterval(jitter > 0 ? .random(in: 0...jitter) : 0)
        arm()
    }

    /// Arms the wall-clock timer for the next scheduled run or retry, whichever comes first.
    private func arm() {
        let deadline = min(nextRun, retries.earliest ?? .distantFuture)
        let seconds = deadline.timeIntervalSince1970
        let wall = DispatchWallTime(
            timespec: timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9)))
        runTimer?.schedule(wallDeadline: wall, leeway: .milliseconds(100))
    }

    /// Runs what is due now: the scheduled pass, else the retries.
    private func checkDue() {
        guard !stopping else { return }
        let now = Date()
        if now >= nextRun {
            planNextRun(after: now)
            if passRunning {
                logger.warning("a pass is still running; the scheduled pass is skipped, not run twice")
            } else {
                retries.clear()
                startPass(config.tables, reason: "schedule")
            }
        } else if !passRunning {
            let due = Set(retries.due(at: now))
            if !due.isEmpty { startPass(config.tables.filter { due.contains($0.parent) }, reason: "retry") }
        }
        arm()
    }

    private func startPass(_ tables: [TableSpec], reason: String) {
        guard !passRunning, !stopping, !tables.isEmpty || config.partman.tables == .all else { return }
        passRunning = true
        let runtime = self.runtime
        passRuntime = runtime
        let runID = RunID.make()
        logger.info("pass starting", metadata: ["reason": "\(reason)", "run_id": "\(runID)"])
        notifier.status("pass running (\(reason)); " + statusText())
        passQueue.async { [unowned self] in
            let report = runtime.engine.runPass(tables, now: Date(), clock: .system, runID: runID)
            queue.async { self.finishPass(report, tables: tables) }
        }
    }

    private func finishPass(_ report: PassReport, tables: [TableSpec]) {
        passRunning = false
        passRuntime = nil
        for replaced in replacedRuntimes { replaced.pool.close() }
        replacedRuntimes = []
        lastPass = report
        let names = Set(tables.map(\.parent))
        let failed =
            report.unreachable != nil ? names : Set(report.tables.filter { $0.status == .failed }.map(\.table))
        retries.record(failed: failed, succeeded: names.subtracting(failed), at: Date())
        let summary =
            report.unreachable.map { "pass failed: database unreachable: \($0.message)" }
            ?? "pass finished: \(report.tables.count) tables, \(report.createdCount) created, "
            + "\(report.retiredCount) retired, \(report.failedCount) failed"
        logger.log(
            level: report.succeeded ? .info : .warning, "\(summary)",
            metadata: ["run_id": "\(report.runID)", "duration_ms": "\(report.duration.milliseconds)"])
        if stopping { return finishStop() }
        notifier.status(statusText())
        checkDue()
    }

    private func statusText() -> String {
        StatusLine.text(last: lastPass, next: nextRun, retryAt: retries.earliest, zone: schedule.timeZone)
    }

    // MARK: - Heartbeat, clock jumps, watchdog

    /// The heartbeat's period: a second, or a quarter of the ping interval when the watchdog is shorter,
    /// so that a live scheduler's last beat is always well within the interval the watchdog check
    /// demands. (With a one-second beat and `WatchdogSec=2s` the check raced the beat, skipped pings
    /// and left 2 s gaps: a healthy service would have been killed.)
    static func heartbeatPeriod(watchdogTimeout: Duration?) -> Duration {
        guard let watchdogTimeout else { return .seconds(1) }
        return max(.milliseconds(10), min(.seconds(1), watchdogTimeout / 8))
    }

    private func startHeartbeat(every period: Duration) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(
            deadline: .now(), repeating: period.timeInterval,
            leeway: .milliseconds(Int(min(50, period.milliseconds / 10))))
        timer.setEventHandler { [unowned self] in beat() }
        timer.resume()
        sources.append(timer)
    }

    private func beat() {
        heartbeat.beat()
        let wall = Date()
        let monotonic = DispatchTime.now()
        let wallElapsed = wall.timeIntervalSince(lastWall)
        let monotonicElapsed = Double(monotonic.uptimeNanoseconds - lastMonotonic.uptimeNanoseconds) / 1e9
        lastWall = wall
        lastMonotonic = monotonic
        if abs(wallElapsed - monotonicElapsed) > Self.clockJumpTolerance {
            logger.notice("wall clock jumped by \(Int(wallElapsed - monotonicElapsed)) s; recomputing the next run")
            if wall < nextRun { planNextRun(after: wall) }
        }
        checkDue()
    }

    /// Pings the watchdog every half timeout, but only while the scheduler queue's heartbeat is fresh,
    /// so a hung scheduler stops the pings and systemd restarts the service.
    private func startWatchdog(timeout: Duration?) {
        guard let timeout else { return }
        let interval = timeout / 2
        // The watchdog queue gets its own copy: `logger` belongs to the scheduler queue.
        let logger = self.logger
        let watchdogQueue = DispatchQueue(label: "partmand.watchdog")
        let timer = DispatchSource.makeTimerSource(queue: watchdogQueue)
        timer.schedule(deadline: .now(), repeating: interval.timeInterval, leeway: .milliseconds(10))
        timer.setEventHandler { [unowned self] in
            if heartbeat.age < interval {
                notifier.watchdogPing()
            } else {
                logger.error("scheduler unresponsive for \(heartbeat.age); not pinging the watchdog")
            }
        }
        timer.resume()
        sources.append(timer)
        logger.info("watchdog enabled", metadata: ["interval_ms": "\(interval.milliseconds)"])
    }

    // MARK: - Signals

    private func installSignalHandlers() {
        var handlers: [(Int32, String, () -> Void)] = [
            (SIGTERM, "SIGTERM", { [unowned self] in stop(signal: "SIGTERM") }),
            (SIGINT, "SIGINT", { [unowned self] in stop(signal: "SIGINT") }),
            (SIGHUP, "SIGHUP", { [unowned self] in reload() }),
            (
                SIGUSR1, "SIGUSR1",
                { [unowned self] in
                    logger.notice("SIGUSR1: running a pass now")
                    retries.clear()
                    startPass(config.tables, reason: "SIGUSR1")
                }
            ),
        ]
        if options.testHooks {
            handlers.append(
                (
                    SIGUSR2, "SIGUSR2",
                    { [unowned self] in
                        logger.warning("test hook: stalling the scheduler queue")
                        while true { sleep(3600) }
                    }
                ))
        }
        for (number, _, handler) in handlers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }
}
