import Foundation
import PartmandTestSupport
import Testing

@testable import PartmandDaemon

@Suite("Heartbeat")
struct HeartbeatTests {
    @Test("the scheduler beats every second, or 4 times per ping interval under a short watchdog")
    func period() {
        #expect(Daemon.heartbeatPeriod(watchdogTimeout: nil) == .seconds(1))
        #expect(Daemon.heartbeatPeriod(watchdogTimeout: .seconds(60)) == .seconds(1))
        #expect(Daemon.heartbeatPeriod(watchdogTimeout: .seconds(8)) == .seconds(1))
        // WatchdogSec=2s: pings every second, so beats every 250 ms.
        #expect(Daemon.heartbeatPeriod(watchdogTimeout: .seconds(2)) == .milliseconds(250))
        #expect(Daemon.heartbeatPeriod(watchdogTimeout: .milliseconds(1)) == .milliseconds(10))
    }

    @Test("age grows from the last beat and restarts at each beat (an injected monotonic clock)")
    func age() {
        let clock = LockedBox(Duration.seconds(100))
        let heartbeat = Heartbeat(monotonic: { clock.value })
        #expect(heartbeat.age == .zero)
        clock.mutate { $0 += .milliseconds(30) }
        #expect(heartbeat.age == .milliseconds(30))
        heartbeat.beat()
        #expect(heartbeat.age == .zero)
        clock.mutate { $0 += .seconds(2) }
        #expect(heartbeat.age == .seconds(2))
    }
}
