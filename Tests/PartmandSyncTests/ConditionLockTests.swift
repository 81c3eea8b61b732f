import Foundation
import PartmandSync
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lock and its condition with real threads (never tasks: a blocked waiter would hold one of the
/// few threads of Swift's cooperative pool). No upper bound on any time is checked (these machines
/// are noisy); a timed wait is checked to last at least its timeout and to report the timeout.
@Suite("ConditionLock")
struct ConditionLockTests {
    @Test("a wait nobody signals times out, after at least its timeout, and returns false")
    func timesOut() {
        let lock = ConditionLock()
        let clock = ContinuousClock()
        let start = clock.now
        var woken = true
        lock.withLock {
            // A spurious wake-up may end a wait early: wait again for what is left, as callers do.
            while start.duration(to: clock.now) < .milliseconds(50) {
                woken = lock.wait(for: .milliseconds(50) - start.duration(to: clock.now))
            }
        }
        #expect(!woken)
        #expect(start.duration(to: clock.now) >= .milliseconds(50))
    }

    @Test("a zero or negative timeout returns at once with false")
    func noTimeLeft() {
        let lock = ConditionLock()
        for timeout in [Duration.zero, .seconds(-1)] {
            #expect(lock.withLock { lock.wait(for: timeout) } == false)
        }
    }

    /// With a timeout too large for a deadline too: the wait is clamped instead of overflowing.
    @Test(
        "signal wakes a waiter, which sees the state changed under the lock",
        arguments: [Duration.seconds(60), .seconds(Int64.max)])
    func signalWakes(timeout: Duration) {
        let lock = ConditionLock()
        let state = StateBox()
        let waiter = WaiterThread {
            lock.withLock {
                state.waiting = true
                while !state.ready {
                    guard lock.wait(for: timeout) || state.ready else { return false }
                }
                return true
            }
        }
        Self.until { lock.withLock { state.waiting } }
        lock.withLock {
            state.ready = true
            lock.signal()
        }
        #expect(waiter.result())
    }

    @Test("broadcast wakes every waiter")
    func broadcastWakesAll() {
        let lock = ConditionLock()
        let state = StateBox()
        let waiters = (0..<3).map { _ in
            WaiterThread {
                lock.withLock {
                    state.waitingCount += 1
                    while !state.ready {
                        guard lock.wait(for: .seconds(60)) || state.ready else { return false }
                    }
                    return true
                }
            }
        }
        Self.until { lock.withLock { state.waitingCount == 3 } }
        lock.withLock {
            state.ready = true
            lock.broadcast()
        }
        for waiter in waiters { #expect(waiter.result()) }
    }

    @Test("withLock excludes: concurrent increments are all counted")
    func mutualExclusion() {
        let lock = ConditionLock()
        let state = StateBox()
        let threads = (0..<4).map { _ in
            WaiterThread {
                for _ in 0..<10_000 { lock.withLock { state.waitingCount += 1 } }
                return true
            }
        }
        for thread in threads { #expect(thread.result()) }
        #expect(lock.withLock { state.waitingCount } == 40_000)
    }

    /// Polls `condition` until it holds.
    private static func until(_ condition: () -> Bool) {
        while !condition() { usleep(1000) }
    }
}

/// A thread of its own running `body`; ``result()`` waits for it to end.
private final class WaiterThread: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcome = false

    init(_ body: @escaping @Sendable () -> Bool) {
        Thread.detachNewThread { [self] in
            outcome = body()
            done.signal()
        }
    }

    /// What the body returned, once it has returned.
    func result() -> Bool {
        done.wait()
        return outcome
    }
}

/// State shared by the threads of a test, touched only inside the lock under test.
private final class StateBox: @unchecked Sendable {
    var ready = false
    var waiting = false
    var waitingCount = 0
}
