import PartmandSync
import PartmandTime

/// A flag that asks a running pass to stop at the next safe point (between statements and retries).
// @unchecked: `stopped` is only touched inside `condition.withLock`; a sleeper must wait on a condition
// that `stop()` signals, which Mutex cannot express.
public final class StopSignal: @unchecked Sendable {
    private let condition = ConditionLock()
    private var stopped = false
    /// Starts a sleep of the given length and returns how much of it is left, whenever asked: measured
    /// on a monotonic clock, so a wall-clock jump neither cuts a pause short nor stretches it.
    private let startSleep: @Sendable (Duration) -> @Sendable () -> Duration

    /// A signal whose sleeps are measured on the continuous (monotonic) clock.
    public convenience init() {
        self.init(clock: ContinuousClock())
    }

    /// A signal whose sleeps are measured on `clock`.
    public init<C: Clock<Duration>>(clock: C) {
        startSleep = { duration in
            let deadline = clock.now.advanced(by: duration)
            return { clock.now.duration(to: deadline) }
        }
    }

    public var isStopped: Bool {
        condition.withLock { stopped }
    }

    /// Requests the stop and wakes anything sleeping in `sleep(for:)`.
    public func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    /// Sleeps for `duration` on the clock, or less if a stop is requested. Returns false when stopped.
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        let timeLeft = startSleep(duration)
        return condition.withLock {
            while !stopped {
                let left = timeLeft()
                guard left > .zero else { break }
                // The condition waits on the monotonic clock; `clock` decides when the sleep is over.
                condition.wait(for: left)
            }
            return !stopped
        }
    }
}
