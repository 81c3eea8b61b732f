import CLibPQ
import Synchronization

/// Sends cancel requests for one connection; usable from any thread.
final class CancelHandle: Sendable {
    // @unchecked: the raw PGcancel pointer is only used under `state`'s mutex (and libpq lets PQcancel run on
    // any thread); the compiler cannot see that a C pointer handed over at init is not shared elsewhere.
    private struct State: @unchecked Sendable {
        /// The `PGcancel` object; nil once released.
        var cancel: OpaquePointer?
        /// Whether a statement is running.
        var isRunning = false
    }

    private let state: Mutex<State>

    /// What a cancel request came to.
    enum Outcome: Equatable {
        case sent
        case idle
        case failed(String)
    }

    /// Takes ownership of a `PGcancel` object from `PQgetCancel`.
    init(_ cancel: OpaquePointer?) {
        state = Mutex(State(cancel: cancel))
    }

    /// Records whether a statement is running, so that cancelling an idle connection does nothing.
    func setRunning(_ running: Bool) {
        state.withLock { $0.isRunning = running }
    }

    /// Asks the server to cancel the running statement, if any. The statement may still finish
    /// before the request arrives.
    func cancelRunningStatement() -> Outcome {
        state.withLock { state in
            guard state.isRunning, let cancel = state.cancel else { return .idle }
            var buffer = [CChar](repeating: 0, count: 256)
            guard PQcancel(cancel, &buffer, Int32(buffer.count)) == 0 else { return .sent }
            return .failed(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// Frees the `PGcancel` object; later requests do nothing.
    func release() {
        state.withLock { state in
            PQfreeCancel(state.cancel)
            state.cancel = nil
        }
    }
}
