import Foundation

/// A flag that asks a running pass to stop at the next safe point (between statements and retries).
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false

    public init() {}

    public var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Requests the stop and wakes anything sleeping in `sleep(for:)`.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps for `duration`, or less if a stop is requested. Returns false when stopped.
    @discardableResult
    public func sleep(for duration: Duration) -> Bool {
        let deadline = Date().addingTimeInterval(duration.timeInterval)
        condition.lock()
        defer { condition.unlock() }
        while !stopped && condition.wait(until: deadline) {}
        return !stopped
    }
}
