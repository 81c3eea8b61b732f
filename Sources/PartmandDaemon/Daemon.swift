import Dispatch
import Foundation
import Logging
import PartmandConfig
import PartmandCore
import PartmandEngine
import PartmandObservability
import PartmandRuntime
import PartmandSystemd
import PartmandTime

#if canImport(Glibc)
    import Glibc
#endif

/// `partmand run`: the thin shell around `SchedulerStateMachine`. It owns the timers, the signal
/// sources, the watchdog, the connection pools and the process; every decision comes from the state
/// machine as actions, which this shell carries out.
///
/// All state lives on one serial scheduler queue; passes run on a second queue so the scheduler stays
/// responsive (signals, heartbeat, watchdog) while a long pass runs. The heartbeat (every second,
/// faster under a short watchdog) feeds the state machine the wall and monotonic clocks.
public final class Daemon: @unchecked Sendable {  // mutable state is touched on `queue` only
    /// What the daemon needs from outside.
    public struct Options: Sendable {
        public var configPath: String
        public var environment: [String: String]
        /// True when `--log-level` fixed the level: a reload then leaves it alone.
        public var logLevelFixed: Bool
        /// The zone of a schedule without `timezone`.
        public var systemZone: Zone
        public var clock: DaemonClock

        public init(
            configPath: String, environment: [String: String], logLevelFixed: Bool = false,
            systemZone: Zone = .system, clock: DaemonClock = .system
        ) {
            self.configPath = configPath
            self.environment = environment
            self.logLevelFixed = logLevelFixed
            self.systemZone = systemZone
            self.clock = clock
        }
    }

    private let options: Options
    private var clock: DaemonClock { options.clock }
    private var logger: Logger
    private let notifier = ServiceNotifier()
    private let queue = DispatchQueue(label: "partmand.scheduler")
    private let passQueue = DispatchQueue(label: "partmand.pass")
    private let heartbeat: Heartbeat
    /// What /metrics and /healthz show, kept up to date from here.
    private let observatory: Observatory

    // Scheduler-queue state.
    private var machine: SchedulerStateMachine
    private var runtime: Runtime
    /// The runtime the running pass uses (it may be older than `runtime` after a reload).
    private var passRuntime: Runtime?
    /// Runtimes replaced by a reload while a pass still used them; closed when the pass ends.
    private var replacedRuntimes: [Runtime] = []
    private var sources: [DispatchSourceProtocol] = []
    private var runTimer: DispatchSourceTimer?
    /// The /metrics and /healthz server, made when an address is first configured.
    private var monitoringServer: MonitoringServer?

    public init(config: PartmandConfiguration, options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
        let heartbeat = Heartbeat(monotonic: options.clock.monotonic)
        self.heartbeat = heartbeat
        observatory = Observatory(
            startedAt: options.clock.now(), heartbeatAge: { heartbeat.age }, now: options.clock.now)
        machine = SchedulerStateMachine(
            configuration: config, configurationPath: options.configPath, systemZone: options.systemZone,
            logLevel: logger.logLevel, logLevelFixed: options.logLevelFixed, seed: .random(in: .min ... .max))
        runtime = Runtime(config, logger: logger)
    }

    /// Starts the service; never returns (the process exits on SIGTERM or SIGINT).
    public func run() -> Never {
        // The handled signals are blocked before any other thread exists, so every thread inherits the
        // mask and the signal sources receive each one: a signal that the kernel hands to a thread where
        // it is not blocked meets the SIG_IGN disposition and is lost (seen: a SIGTERM ignored).
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in Self.handledSignals { sigaddset(&handled, number) }
        pthread_sigmask(SIG_BLOCK, &handled, nil)
        queue.async { self.start() }
        // Not dispatchMain(): on Linux it parks this thread in sigsuspend with an empty mask, so a handled
        // signal could be delivered here, meet SIG_IGN and be lost instead of reaching its signal source
        // (seen: a SIGHUP never reloaded). Nothing uses the main queue; this thread keeps its mask.
        while true { pause() }
    }

    private func start() {
        installSignalHandlers()
        let watchdogTimeout = ServiceNotifier.watchdogTimeout()
        startHeartbeat(every: Self.heartbeatPeriod(watchdogTimeout: watchdogTimeout))
        startWatchdog(timeout: watchdogTimeout)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [unowned self] in perform(machine.timerFired(now: clock.now())) }
        timer.resume()
        runTimer = timer
        perform(machine.start(now: clock.now()))
    }

    // MARK: - Carrying out actions

    private func perform(_ actions: [SchedulerStateMachine.Action]) {
        for action in actions {
            switch action {
            case .startPass(let tables, let reason): startPass(tables, reason: reason)
            case .arm(let instant):
                arm(at: instant)
                observatory.scheduled(nextRun: machine.nextRun, nextRetry: machine.retries.earliest)
            case .notify(let notification): notify(notification)
            case .log(let level, let message, let metadata):
                logger.log(level: level, "\(message)", metadata: metadata.mapValues { .string($0) })
            case .loadConfiguration:
                let result = Result { () throws(ConfigError) in
                    try ConfigLoader.load(path: options.configPath, environment: options.environment)
                }
                perform(machine.configurationLoaded(result, now: clock.now()))
            case .replaceRuntime(let keepPrevious):
                let previous = runtime
                runtime = Runtime(machine.configuration, logger: logger)
                observatory.configured(machine.configuration)
                if keepPrevious { replacedRuntimes.append(previous) } else { previous.pool.close() }
            case .setLogLevel(let level): logger.logLevel = level
            case .closeReplacedRuntimes:
                for replaced in replacedRuntimes { replaced.pool.close() }
                replacedRuntimes = []
            case .cancelPass:
                let active = passRuntime ?? runtime
                active.engine.stopSignal.stop()
                active.pool.cancelAll()
            case .startShutdownDeadline(let timeout):
                queue.asyncAfter(deadline: .now() + timeout.timeInterval) { [unowned self] in
                    perform(machine.shutdownDeadlinePassed())
                }
            case .serveMetrics(let address): serveMetrics(on: address)
            case .cancelTimer: runTimer?.cancel()
            case .exit(let status):
                monitoringServer?.stop()
                if status == 0 { runtime.pool.close() }
                exit(status)
            }
        }
    }

    private func startPass(_ tables: [TableSpec], reason: String) {
        let runtime = self.runtime
        passRuntime = runtime
        let runID = RunID.make()
        logger.info("pass starting", metadata: ["reason": "\(reason)", "run_id": "\(runID)"])
        let clock = self.clock
        observatory.passStarted(at: clock.now())
        passQueue.async { [unowned self] in
            let report = runtime.runPass(
                tables, now: clock.now(), clock: .system, runID: runID, trigger: PassTrigger(schedulerReason: reason))
            queue.async {
                self.passRuntime = nil
                let now = clock.now()
                self.observatory.passFinished(report, tables: tables, at: now)
                self.perform(self.machine.passFinished(report, now: now))
            }
        }
    }

    /// Binds, rebinds or closes the /metrics and /healthz server. An address that cannot be bound is
    /// logged; the server keeps the old one when it can (see `MonitoringServer.listen(on:)`).
    private func serveMetrics(on address: ListenAddress?) {
        guard address != nil || monitoringServer != nil else { return }
        let server = monitoringServer ?? MonitoringServer(observatory: observatory, logger: logger)
        monitoringServer = server
        let previous = server.address
        do {
            try server.listen(on: address)
            if let address, address != previous {
                logger.notice("serving /metrics and /healthz", metadata: ["listen": "\(address)"])
            } else if address == nil, let previous {
                logger.notice("no longer serving /metrics and /healthz", metadata: ["listen": "\(previous)"])
            }
        } catch {
            let now = server.address.map { "still serving on \($0)" } ?? "not serving /metrics and /healthz"
            logger.error(
                "cannot listen on \(address.map { "\($0)" } ?? "-"): \(error); \(now)",
                metadata: ["listen": "\(address.map { "\($0)" } ?? "")"])
        }
    }

    private func arm(at instant: Date) {
        let seconds = instant.timeIntervalSince1970
        let wall = DispatchWallTime(
            timespec: timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9)))
        runTimer?.schedule(wallDeadline: wall, leeway: .milliseconds(100))
    }

    private func notify(_ notification: SchedulerStateMachine.Notification) {
        switch notification {
        case .ready(let status): notifier.ready(status: status)
        case .status(let status): notifier.status(status)
        case .reloading(let status): notifier.reloading(status: status)
        case .stopping(let status): notifier.stopping(status: status)
        case .extendTimeout(let duration): notifier.extendTimeout(by: duration)
        }
    }

    // MARK: - Heartbeat and watchdog

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
        timer.setEventHandler { [unowned self] in
            heartbeat.beat()
            perform(machine.heartbeat(now: clock.now(), monotonic: clock.monotonic()))
        }
        timer.resume()
        sources.append(timer)
    }

    /// Pings the watchdog every half timeout, on a queue of its own, but only while the scheduler
    /// queue's heartbeat is fresh, so a hung scheduler stops the pings and systemd restarts the service.
    private func startWatchdog(timeout: Duration?) {
        guard let timeout else { return }
        let interval = timeout / 2
        // The watchdog queue gets its own copy: `logger` belongs to the scheduler queue.
        let logger = self.logger
        let watchdogQueue = DispatchQueue(label: "partmand.watchdog")
        let timer = DispatchSource.makeTimerSource(queue: watchdogQueue)
        timer.schedule(deadline: .now(), repeating: interval.timeInterval, leeway: .milliseconds(10))
        timer.setEventHandler { [unowned self] in
            let age = heartbeat.age
            if SchedulerStateMachine.mayPingWatchdog(heartbeatAge: age, pingInterval: interval) {
                notifier.watchdogPing()
            } else {
                logger.error("scheduler unresponsive for \(age); not pinging the watchdog")
            }
        }
        timer.resume()
        sources.append(timer)
        logger.info("watchdog enabled", metadata: ["interval_ms": "\(interval.milliseconds)"])
    }

    // MARK: - Signals

    /// The signals the daemon handles (SIGUSR2 only as the debug builds' test hook).
    #if DEBUG
        private static let handledSignals = [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2]
    #else
        private static let handledSignals = [SIGTERM, SIGINT, SIGHUP, SIGUSR1]
    #endif

    private func installSignalHandlers() {
        var handlers: [(Int32, () -> Void)] = [
            (
                SIGTERM,
                { [unowned self] in perform(machine.stopRequested(signal: "SIGTERM", monotonic: clock.monotonic())) }
            ),
            (
                SIGINT,
                { [unowned self] in perform(machine.stopRequested(signal: "SIGINT", monotonic: clock.monotonic())) }
            ),
            (SIGHUP, { [unowned self] in perform(machine.reloadRequested()) }),
            (SIGUSR1, { [unowned self] in perform(machine.passRequested(now: clock.now())) }),
        ]
        #if DEBUG
            // Test builds only: PARTMAND_TEST_HOOKS=1 makes SIGUSR2 stall the scheduler queue, for the
            // watchdog test. Release builds have no such hook.
            if options.environment["PARTMAND_TEST_HOOKS"] == "1" {
                handlers.append(
                    (
                        SIGUSR2,
                        { [unowned self] in
                            logger.warning("test hook: stalling the scheduler queue")
                            while true { sleep(3600) }
                        }
                    ))
            }
        #endif
        for (number, handler) in handlers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }
}

/// The clocks the daemon reads: the wall clock for schedules, a monotonic one for intervals and
/// clock-jump detection. Injected so that nothing in the daemon reads the time by itself.
public struct DaemonClock: Sendable {
    public var now: @Sendable () -> Date
    public var monotonic: @Sendable () -> Duration

    public init(now: @escaping @Sendable () -> Date, monotonic: @escaping @Sendable () -> Duration) {
        self.now = now
        self.monotonic = monotonic
    }

    /// The system's clocks: `Date()` and CLOCK_MONOTONIC (through Dispatch).
    public static let system = DaemonClock(
        now: { Date() }, monotonic: { .nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds)) })
}
