import Dispatch
import Foundation

/// The scheduler's proof of life: its queue beats regularly; the watchdog pings only while beats are fresh.
final class Heartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private var last = DispatchTime.now()

    /// Records a beat (called on the scheduler queue).
    func beat() {
        lock.lock()
        last = .now()
        lock.unlock()
    }

    /// Time since the last beat.
    var age: Duration {
        lock.lock()
        defer { lock.unlock() }
        return .nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - last.uptimeNanoseconds))
    }
}
