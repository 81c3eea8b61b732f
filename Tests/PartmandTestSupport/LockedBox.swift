import Synchronization

/// A value shared between threads in a test: read it whole, change it under the lock.
public final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) {
        mutex = Mutex(value)
    }

    /// The current value.
    public var value: Value {
        mutex.withLock { $0 }
    }

    /// Changes the value under the lock; returns what `change` returns.
    @discardableResult
    public func mutate<Result: Sendable>(_ change: (inout Value) -> Result) -> Result {
        mutex.withLock { change(&$0) }
    }
}
