import Foundation
import Logging
import PartmandConfig
import PartmandCore
import PartmandEngine
import Testing

@testable import PartmandDaemon

/// The daemon's decisions, without timers, signals or a database: events in, actions out, time in
/// milliseconds from a fixed origin.
@Suite("scheduler state machine")
struct SchedulerStateMachineTests {
    typealias Action = SchedulerStateMachine.Action

    /// 2026-11-27T00:00:00Z.
    static let origin = Date(timeIntervalSince1970: 1_795_737_600)
    static func at(_ milliseconds: Int) -> Date { origin.addingTimeInterval(Double(milliseconds) / 1000) }
    static let hour = 3_600_000

    /// `schedule` lines (indented) go into the schedule section; `extra` is more YAML after it.
    static func configuration(
        _ schedule: String = "  at: [\"02:00\"]\n  timezone: UTC\n", extra: String = "", tables: [String] = ["a", "b"]
    ) throws -> PartmandConfiguration {
        let entries = tables.map { "  - table: public.\($0)\n    column: at\n    interval: daily\n" }.joined()
        return try ConfigLoader.parse(
            "schedule:\n\(schedule)  retry_after: 10min\n  shutdown_timeout: 10s\n\(extra)tables:\n\(entries)",
            file: "test.yaml")
    }

    static func machine(_ configuration: PartmandConfiguration, logLevelFixed: Bool = false) -> SchedulerStateMachine {
        SchedulerStateMachine(
            configuration: configuration, configurationPath: "test.yaml", systemZone: .utc,
            logLevel: .info, logLevelFixed: logLevelFixed, seed: 42)
    }

    static func passes(_ actions: [Action]) -> [(tables: [String], reason: String)] {
        actions.compactMap {
            if case .startPass(let tables, let reason) = $0 { (tables.map(\.parent.name), reason) } else { nil }
        }
    }

    static func arms(_ actions: [Action]) -> [Date] {
        actions.compactMap { if case .arm(let date) = $0 { date } else { nil } }
    }

    static func report(failed: [String] = [], of tables: [String] = ["a", "b"]) -> PassReport {
        var report = PassReport(runID: "r", startedAt: origin)
        report.tables = tables.map {
            TableReport(table: QualifiedName(schema: "public", name: $0), status: failed.contains($0) ? .failed : .ok)
        }
        return report
    }

    @Test("start: arms the next 02:00, says READY, runs a pass over every table (run_on_start)")
    func start() throws {
        var machine = Self.machine(try Self.configuration())
        let actions = machine.start(now: Self.at(0))

        #expect(Self.arms(actions) == [Self.at(2 * Self.hour)])
        #expect(
            actions.contains {
                if case .notify(.ready(let status)) = $0 {
                    status.hasPrefix("partmand \(PartmandVersion.number)")
                } else {
                    false
                }
            })
        #expect(Self.passes(actions).map(\.reason) == ["start"])
        #expect(Self.passes(actions).first?.tables == ["a", "b"])
        #expect(machine.passRunning)
    }

    @Test("a scheduled run that comes due while a pass runs is skipped, not queued, and the next one armed")
    func noOverlap() throws {
        var machine = Self.machine(try Self.configuration())
        _ = machine.start(now: Self.at(0))

        let actions = machine.timerFired(now: Self.at(2 * Self.hour))

        #expect(Self.passes(actions).isEmpty)
        #expect(
            actions.contains { if case .log(.warning, let text, _) = $0 { text.contains("skipped") } else { false } })
        #expect(machine.nextRun == Self.at(26 * Self.hour))
    }

    @Test("a failed table is retried on its own after retry_after, doubling; a scheduled pass clears retries")
    func retries() throws {
        var machine = Self.machine(try Self.configuration())
        _ = machine.start(now: Self.at(0))
        let finished = machine.passFinished(Self.report(failed: ["b"]), now: Self.at(1000))
        // Retry at +10 min comes before the 02:00 run.
        #expect(Self.arms(finished).last == Self.at(1000 + 600_000))

        #expect(Self.passes(machine.timerFired(now: Self.at(600_000))).isEmpty)
        let retry = machine.timerFired(now: Self.at(601_000))
        #expect(Self.passes(retry).map(\.tables) == [["b"]])
        #expect(Self.passes(retry).map(\.reason) == ["retry"])

        _ = machine.passFinished(Self.report(failed: ["b"], of: ["b"]), now: Self.at(602_000))
        #expect(machine.retries.earliest == Self.at(602_000 + 1_200_000))

        let scheduled = machine.timerFired(now: Self.at(2 * Self.hour))
        #expect(Self.passes(scheduled).map(\.reason) == ["schedule"])
        #expect(machine.retries.earliest == nil)
    }

    @Test("a stop without a pass exits 0 at once; a second stop changes nothing")
    func stopIdle() throws {
        var machine = Self.machine(try Self.configuration("  at: [\"02:00\"]\n  run_on_start: false\n"))
        _ = machine.start(now: Self.at(0))

        let actions = machine.stopRequested(signal: "SIGTERM", monotonic: .zero)

        #expect(actions.contains(.cancelTimer))
        #expect(actions.contains(.notify(.stopping("stopping"))))
        #expect(actions.last == .exit(0))
        #expect(machine.stopRequested(signal: "SIGINT", monotonic: .seconds(1)).isEmpty)
    }

    @Test("a stop mid-pass cancels it, again every second until it ends, then exits 0; or 1 at the deadline")
    func stopMidPass() throws {
        var machine = Self.machine(try Self.configuration())
        _ = machine.start(now: Self.at(0))

        let stop = machine.stopRequested(signal: "SIGTERM", monotonic: .seconds(100))
        #expect(stop.contains(.notify(.extendTimeout(.seconds(15)))))
        #expect(stop.contains(.cancelPass))
        #expect(stop.contains(.startShutdownDeadline(.seconds(10))))
        #expect(!stop.contains(.exit(0)))

        #expect(!machine.heartbeat(now: Self.at(500), monotonic: .milliseconds(100_500)).contains(.cancelPass))
        #expect(machine.heartbeat(now: Self.at(1000), monotonic: .milliseconds(101_000)).contains(.cancelPass))
        #expect(!machine.heartbeat(now: Self.at(1500), monotonic: .milliseconds(101_500)).contains(.cancelPass))
        // No new pass starts while stopping, whatever comes due.
        #expect(Self.passes(machine.passRequested(now: Self.at(1600))).isEmpty)
        #expect(Self.passes(machine.timerFired(now: Self.at(3 * Self.hour))).isEmpty)

        var late = machine
        #expect(late.shutdownDeadlinePassed().last == .exit(1))
        let finished = machine.passFinished(Self.report(), now: Self.at(2000))
        #expect(finished.last == .exit(0))
        #expect(machine.shutdownDeadlinePassed().isEmpty)
    }

    @Test("a reload mid-pass keeps the old runtime until the pass ends; retries of removed tables go")
    func reloadMidPass() throws {
        var machine = Self.machine(try Self.configuration())
        _ = machine.start(now: Self.at(0))
        _ = machine.passFinished(Self.report(failed: ["a", "b"]), now: Self.at(1000))
        _ = machine.passRequested(now: Self.at(2000))  // clears the retries, runs every table
        _ = machine.passFinished(Self.report(failed: ["a", "b"]), now: Self.at(3000))
        let retry = machine.timerFired(now: Self.at(3000 + 600_000))
        #expect(Self.passes(retry).map(\.tables) == [["a", "b"]])

        #expect(machine.reloadRequested() == [.notify(.reloading("reloading test.yaml")), .loadConfiguration])
        let loaded = machine.configurationLoaded(
            .success(try Self.configuration("  every: 1h\n", tables: ["a"])), now: Self.at(604_000))

        #expect(loaded.contains(.replaceRuntime(keepPreviousUntilPassEnds: true)))
        #expect(machine.nextRun == Self.at(Self.hour))  // every: 1h runs on the hour
        #expect(machine.retries.entries.keys.map(\.name) == ["a"])
        #expect(machine.passFinished(Self.report(), now: Self.at(605_000)).first == .closeReplacedRuntimes)
        // Without a pass running, the old runtime is closed at once.
        let idle = machine.configurationLoaded(.success(try Self.configuration()), now: Self.at(606_000))
        #expect(idle.contains(.replaceRuntime(keepPreviousUntilPassEnds: false)))
    }

    @Test("an invalid reload is rejected and the old configuration kept")
    func rejectedReload() throws {
        var machine = Self.machine(try Self.configuration())
        _ = machine.start(now: Self.at(0))
        let error = ConfigError(file: "test.yaml", line: 3, key: "schedule.every", message: "cannot parse")

        let actions = machine.configurationLoaded(.failure(error), now: Self.at(1000))

        #expect(!actions.contains { if case .replaceRuntime = $0 { true } else { false } })
        #expect(
            actions.contains {
                if case .notify(.ready(let status)) = $0 { status.hasPrefix("reload rejected") } else { false }
            })
        #expect(machine.nextRun == Self.at(2 * Self.hour))
    }

    @Test("a reload applies a new log level unless --log-level fixed it")
    func reloadLogLevel() throws {
        let warning = try Self.configuration(extra: "log:\n  level: warning\n")
        var free = Self.machine(try Self.configuration())
        #expect(free.configurationLoaded(.success(warning), now: Self.at(0)).contains(.setLogLevel(.warning)))
        var fixed = Self.machine(try Self.configuration(), logLevelFixed: true)
        #expect(!fixed.configurationLoaded(.success(warning), now: Self.at(0)).contains(.setLogLevel(.warning)))
    }

    static func served(_ actions: [Action]) -> [ListenAddress?] {
        var addresses: [ListenAddress?] = []
        for case .serveMetrics(let address) in actions { addresses.append(address) }
        return addresses
    }

    @Test("metrics: served before READY at start when configured; not at all when not")
    func metricsAtStart() throws {
        var off = Self.machine(try Self.configuration())
        #expect(Self.served(off.start(now: Self.at(0))).isEmpty)

        var on = Self.machine(try Self.configuration(extra: "metrics:\n  listen: 127.0.0.1:9187\n"))
        let actions = on.start(now: Self.at(0))
        #expect(Self.served(actions) == [.tcp(host: "127.0.0.1", port: 9187)])
        let serve = try #require(actions.firstIndex { if case .serveMetrics = $0 { true } else { false } })
        let ready = try #require(actions.firstIndex { if case .notify(.ready) = $0 { true } else { false } })
        #expect(serve < ready)
    }

    @Test("metrics on reload: a new address is served, a removed one stopped; none before or after asks nothing")
    func metricsOnReload() throws {
        var machine = Self.machine(try Self.configuration())
        _ = machine.start(now: Self.at(0))
        // Off before and after: nothing to do.
        #expect(Self.served(machine.configurationLoaded(.success(try Self.configuration()), now: Self.at(1))).isEmpty)
        // Turned on, moved, kept (a retry of an address that could not be bound is harmless), turned off.
        let on = try Self.configuration(extra: "metrics:\n  listen: 127.0.0.1:9187\n")
        #expect(
            Self.served(machine.configurationLoaded(.success(on), now: Self.at(2))) == [
                .tcp(host: "127.0.0.1", port: 9187)
            ])
        let moved = try Self.configuration(extra: "metrics:\n  listen: /run/partmand/metrics.sock\n")
        #expect(
            Self.served(machine.configurationLoaded(.success(moved), now: Self.at(3))) == [
                .unix(path: "/run/partmand/metrics.sock")
            ])
        #expect(
            Self.served(machine.configurationLoaded(.success(moved), now: Self.at(4))) == [
                .unix(path: "/run/partmand/metrics.sock")
            ])
        let actions = machine.configurationLoaded(.success(try Self.configuration()), now: Self.at(5))
        #expect(Self.served(actions) == [nil])
        // An invalid reload changes nothing.
        let error = ConfigError(file: "test.yaml", line: 1, key: "metrics.listen", message: "bad")
        #expect(Self.served(machine.configurationLoaded(.failure(error), now: Self.at(6))).isEmpty)
    }

    @Test("a wall-clock jump recomputes the next run; steady beats do not")
    func clockJump() throws {
        var machine = Self.machine(try Self.configuration("  every: 1h\n  run_on_start: false\n"))
        _ = machine.start(now: Self.at(0))
        #expect(machine.nextRun == Self.at(Self.hour))
        _ = machine.heartbeat(now: Self.at(1000), monotonic: .seconds(1))
        _ = machine.heartbeat(now: Self.at(2000), monotonic: .seconds(2))
        #expect(machine.nextRun == Self.at(Self.hour))

        // The wall clock goes back ten minutes in one second (NTP step): the next run is recomputed
        // from the new time (every: 1h runs on the hour, so the run at midnight comes first).
        let jumped = machine.heartbeat(now: Self.at(3000 - 600_000), monotonic: .seconds(3))
        #expect(jumped.contains { if case .log(.notice, let text, _) = $0 { text.contains("jumped") } else { false } })
        #expect(machine.nextRun == Self.at(0))
    }

    @Test("jitter delays each run by up to schedule.jitter, reproducibly for a seed")
    func jitter() throws {
        let config = try Self.configuration("  every: 1h\n  jitter: 10min\n  run_on_start: false\n")
        var first = Self.machine(config)
        var second = Self.machine(config)
        _ = first.start(now: Self.at(0))
        _ = second.start(now: Self.at(0))
        #expect(first.nextRun == second.nextRun)
        #expect(first.nextRun >= Self.at(Self.hour) && first.nextRun <= Self.at(Self.hour + 600_000))
    }

    @Test("the watchdog is pinged only while the heartbeat is fresher than the ping interval")
    func watchdogGate() {
        #expect(SchedulerStateMachine.mayPingWatchdog(heartbeatAge: .milliseconds(900), pingInterval: .seconds(1)))
        #expect(!SchedulerStateMachine.mayPingWatchdog(heartbeatAge: .seconds(1), pingInterval: .seconds(1)))
    }
}
