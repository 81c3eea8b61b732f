#if canImport(Glibc)
    import Glibc
#endif

/// A mutex with a condition variable whose timed waits run on CLOCK_MONOTONIC.
///
/// For state that a thread must wait on until another changes it (a connection coming back to the pool,
/// a stop being asked for), which `Mutex` cannot express. Unlike `NSCondition`, whose timed wait takes a
/// wall-clock `Date`, a wait here is neither cut short nor stretched when the system clock is set.
// @unchecked: the pthread objects live at fixed addresses for the object's lifetime, and pthread makes
// them safe to use from any thread.
public final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// A new, unlocked lock.
    public init() {
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        var attributes = pthread_condattr_t()
        precondition(pthread_condattr_init(&attributes) == 0, "pthread_condattr_init failed")
        defer { pthread_condattr_destroy(&attributes) }
        precondition(
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC) == 0, "pthread_condattr_setclock failed")
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init failed")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the lock. ``wait(for:)``, ``signal()`` and ``broadcast()`` belong inside it.
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Releases the lock until signalled or until `timeout` has passed on the monotonic clock, then takes it
    /// again. Returns false on timeout. May also return early without cause (a spurious wake-up), so call
    /// it in a loop that checks the awaited state. Only inside ``withLock(_:)``.
    @discardableResult
    public func wait(for timeout: Duration) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        // Clamped to a century, so that an absurd timeout cannot overflow the deadline.
        let (seconds, attoseconds) = min(max(timeout, .zero), Self.longestWait).components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        return pthread_cond_timedwait(condition, mutex, &deadline) != ETIMEDOUT
    }

    /// The longest a single ``wait(for:)`` waits: a century.
    private static let longestWait = Duration.seconds(100 * 365 * 86_400)

    /// Wakes one waiter. Only inside ``withLock(_:)``.
    public func signal() {
        pthread_cond_signal(condition)
    }

    /// Wakes every waiter. Only inside ``withLock(_:)``.
    public func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
