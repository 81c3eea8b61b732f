import PartmandEngine
import PartmandTestSupport
import Testing

/// A clock that moves only when told, for sleeps that must end without waiting.
private struct ManualClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    let offset = LockedBox<Duration>(.zero)
    /// How far each reading moves the clock on.
    var step: Duration = .zero

    var now: Instant {
        Instant(
            offset: offset.mutate {
                $0 += step; return $0
            })
    }
    var minimumResolution: Duration { .nanoseconds(1) }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
}

@Suite struct StopSignalTests {
    @Test("a sleep ends when its clock says the time is up")
    func sleepsOnTheClock() {
        let signal = StopSignal(clock: ManualClock(step: .seconds(3600)))
        #expect(signal.sleep(for: .seconds(60)))
        #expect(!signal.isStopped)
    }

    @Test("a stopped signal does not sleep")
    func stopped() {
        let signal = StopSignal(clock: ManualClock())
        signal.stop()
        #expect(signal.isStopped)
        #expect(!signal.sleep(for: .seconds(3600)))
    }
}
