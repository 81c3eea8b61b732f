import CLibPQ
import Foundation

/// Sends cancel requests for one connection; usable from any thread.
final class CancelHandle: @unchecked Sendable {
    private let lock = NSLock()
    /// The `PGcancel` object; nil once released. Guarded by `lock`.
    private var cancel: OpaquePointer?
    /// Whether a statement is running. Guarded by `lock`.
    private var isRunning = false

    /// What a cancel request came to.
    enum Outcome: Equatable {
        case sent
        case idle
        case failed(String)
    }

    /// Takes ownership of a `PGcancel` object from `PQgetCancel`.
    init(_ cancel: OpaquePointer?) {
        self.cancel = cancel
    }

    /// Records whether a statement is running, so that cancelling an idle connection does nothing.
    func setRunning(_ running: Bool) {
        lock.lock()
        defer { lock.unlock() }
        isRunning = running
    }

    /// Asks the server to cancel the running statement, if any. The statement may still finish
    /// before the request arrives.
    func cancelRunningStatement() -> Outcome {
        lock.lock()
        defer { lock.unlock() }
        guard isRunning, let cancel else { return .idle }
        var buffer = [CChar](repeating: 0, count: 256)
        guard PQcancel(cancel, &buffer, Int32(buffer.count)) == 0 else { return .sent }
        return .failed(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Frees the `PGcancel` object; later requests do nothing.
    func release() {
        lock.lock()
        defer { lock.unlock() }
        PQfreeCancel(cancel)
        cancel = nil
    }
}
