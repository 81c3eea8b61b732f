import Synchronization

/// The scheduler's proof of life: its queue beats regularly; the watchdog pings only while beats are fresh.
final class Heartbeat: Sendable {
    /// Reads the monotonic clock (`DaemonClock.monotonic`).
    private let monotonic: @Sendable () -> Duration
    private let last: Mutex<Duration>

    init(monotonic: @escaping @Sendable () -> Duration) {
        self.monotonic = monotonic
        last = Mutex(monotonic())
    }

    /// Records a beat (called on the scheduler queue).
    func beat() {
        let now = monotonic()
        last.withLock { $0 = now }
    }

    /// Time since the last beat.
    var age: Duration {
        monotonic() - last.withLock { $0 }
    }
}
