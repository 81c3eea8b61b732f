import Dispatch
import Synchronization

/// The scheduler's proof of life: its queue beats regularly; the watchdog pings only while beats are fresh.
final class Heartbeat: Sendable {
    private let last = Mutex(DispatchTime.now())

    /// Records a beat (called on the scheduler queue).
    func beat() {
        last.withLock { $0 = .now() }
    }

    /// Time since the last beat.
    var age: Duration {
        let last = last.withLock { $0 }
        return .nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - last.uptimeNanoseconds))
    }
}
