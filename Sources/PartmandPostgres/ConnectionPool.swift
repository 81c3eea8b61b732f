import Logging
import PartmandSync
import PartmandTime

/// A small bounded pool of connections, opened lazily.
///
/// Checked-out connections are validated first and replaced when dead (e.g. after a server
/// restart or a terminated backend, which the server announces before closing the socket); returned ones are rolled back or discarded so the next user gets a clean one.
// @unchecked: the mutable state below is only touched inside `condition.withLock` (a checkout must
// wait for a connection to come back, which Mutex cannot express); connections are opened, checked
// and closed outside the lock.
public final class ConnectionPool: @unchecked Sendable {
    private let options: ConnectionOptions
    /// The most connections the pool opens.
    public let size: Int
    private let checkoutTimeout: Duration
    private let logger: Logger

    /// Guards the state below; signalled whenever a slot or an idle connection frees up.
    private let condition = ConditionLock()
    private var idle: [PostgresConnection] = []
    private var checkedOut: [ObjectIdentifier: PostgresConnection] = [:]
    /// Open connections plus those being opened; never above `size`.
    private var slotsTaken = 0
    private var isClosed = false

    /// Creates a pool of at most `size` connections; waiting for one is bounded by `checkoutTimeout`.
    public init(
        options: ConnectionOptions,
        size: Int = 2,
        checkoutTimeout: Duration = .seconds(10),
        logger: Logger
    ) {
        precondition(size > 0, "pool size must be at least 1")
        self.options = options
        self.size = size
        self.checkoutTimeout = checkoutTimeout
        self.logger = logger
    }

    /// Checks out a connection, runs `body` with it and returns it to the pool.
    ///
    /// Throws `PostgresError` with kind `.poolExhausted` when no connection frees up within
    /// the checkout timeout, `.closed` after `close()`, or `.connectionFailed` when a new
    /// connection cannot be opened; otherwise rethrows what `body` throws.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// Closes the idle connections; connections in use close when returned. Later checkouts
    /// fail with kind `.closed`.
    public func close() {
        let closing = condition.withLock {
            isClosed = true
            let closing = idle
            idle = []
            slotsTaken -= closing.count
            condition.broadcast()
            return closing
        }
        closing.forEach { $0.close() }
    }

    /// Cancels the statements running on all checked-out connections (for shutdown).
    public func cancelAll() {
        let busy = condition.withLock { Array(checkedOut.values) }
        busy.forEach { $0.cancel() }
    }

    /// What a checkout found once it held the lock.
    private enum Checkout {
        case reuse(PostgresConnection)
        /// A slot was taken for a new connection.
        case open
        case closed
        case exhausted
    }

    private func checkOut() throws(PostgresError) -> PostgresConnection {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: checkoutTimeout)
        let found: Checkout = condition.withLock {
            while true {
                if isClosed { return .closed }
                if let connection = idle.popLast() {
                    checkedOut[ObjectIdentifier(connection)] = connection
                    return .reuse(connection)
                }
                if slotsTaken < size {
                    slotsTaken += 1
                    return .open
                }
                let left = clock.now.duration(to: deadline)
                guard left > .zero else { return .exhausted }
                condition.wait(for: left)
            }
        }
        switch found {
        case .reuse(let connection): return try validated(connection)
        case .open: return try openInTakenSlot()
        case .closed: throw PostgresError(kind: .closed, message: "connection pool is closed")
        case .exhausted:
            throw PostgresError(
                kind: .poolExhausted,
                message: "no connection available within \(checkoutTimeout.secondsText) (pool size \(size))"
            )
        }
    }

    /// Returns `connection` if nothing came from the server while it was idle (its backend is still
    /// there) or, when something did, if a round trip works; else closes it and opens a new one in its
    /// slot. (A round trip on every checkout cost one more per table in a pass.)
    private func validated(_ connection: PostgresConnection) throws(PostgresError) -> PostgresConnection {
        guard connection.hasUnreadInput else { return connection }
        do {
            try connection.execute(";", purpose: "check pooled connection")
            return connection
        } catch {
            logger.notice(
                "replacing broken pooled connection",
                metadata: ["backend_pid": "\(connection.backendPID)", "error": "\(error)"]
            )
        }
        connection.close()
        condition.withLock { checkedOut[ObjectIdentifier(connection)] = nil }
        return try openInTakenSlot()
    }

    /// Opens a connection for a slot the caller has taken, giving the slot back on failure.
    private func openInTakenSlot() throws(PostgresError) -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(options, logger: logger)
        } catch {
            condition.withLock {
                slotsTaken -= 1
                condition.signal()
            }
            throw error
        }
        condition.withLock { checkedOut[ObjectIdentifier(connection)] = connection }
        return connection
    }

    /// Takes a connection back: idle and healthy ones are kept, one left in a transaction is
    /// rolled back, anything else is closed.
    private func checkIn(_ connection: PostgresConnection) {
        var reusable = connection.isOpen
        if reusable && connection.transactionStatus != .idle {
            connection.logger.warning(
                "connection returned inside a transaction; rolling back",
                metadata: ["transaction_status": "\(connection.transactionStatus)"]
            )
            reusable = (try? connection.execute("ROLLBACK", purpose: "clean up pooled connection")) != nil
            reusable = reusable && connection.transactionStatus == .idle
        }
        let keep = condition.withLock {
            checkedOut[ObjectIdentifier(connection)] = nil
            let keep = reusable && !isClosed
            if keep {
                idle.append(connection)
            } else {
                slotsTaken -= 1
            }
            condition.signal()
            return keep
        }
        if !keep {
            connection.close()
        }
    }
}
