import Foundation
import Logging

/// A small bounded pool of connections, opened lazily.
///
/// Checked-out connections are validated first and replaced when dead (e.g. after a server
/// restart); returned ones are rolled back or discarded so the next user gets a clean one.
public final class ConnectionPool: @unchecked Sendable {
    private let options: ConnectionOptions
    private let size: Int
    private let checkoutTimeout: Duration
    private let logger: Logger

    /// Guards the state below; signalled whenever a slot or an idle connection frees up.
    private let condition = NSCondition()
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
        condition.lock()
        isClosed = true
        let closing = idle
        idle = []
        slotsTaken -= closing.count
        condition.broadcast()
        condition.unlock()
        closing.forEach { $0.close() }
    }

    /// Cancels the statements running on all checked-out connections (for shutdown).
    public func cancelAll() {
        condition.lock()
        let busy = Array(checkedOut.values)
        condition.unlock()
        busy.forEach { $0.cancel() }
    }

    private func checkOut() throws(PostgresError) -> PostgresConnection {
        let deadline = Date(timeIntervalSinceNow: checkoutTimeout.timeInterval)
        condition.lock()
        while true {
            if isClosed {
                condition.unlock()
                throw PostgresError(kind: .closed, message: "connection pool is closed")
            }
            if let connection = idle.popLast() {
                checkedOut[ObjectIdentifier(connection)] = connection
                condition.unlock()
                return try validated(connection)
            }
            if slotsTaken < size {
                slotsTaken += 1
                condition.unlock()
                return try openInTakenSlot()
            }
            if !condition.wait(until: deadline) && Date() >= deadline {
                condition.unlock()
                throw PostgresError(
                    kind: .poolExhausted,
                    message: "no connection available within \(checkoutTimeout.secondsText) (pool size \(size))"
                )
            }
        }
    }

    /// Returns `connection` if a round trip works, else closes it and opens a new one in its slot.
    private func validated(_ connection: PostgresConnection) throws(PostgresError) -> PostgresConnection {
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
        condition.lock()
        checkedOut[ObjectIdentifier(connection)] = nil
        condition.unlock()
        return try openInTakenSlot()
    }

    /// Opens a connection for a slot the caller has taken, giving the slot back on failure.
    private func openInTakenSlot() throws(PostgresError) -> PostgresConnection {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(options, logger: logger)
        } catch {
            condition.lock()
            slotsTaken -= 1
            condition.signal()
            condition.unlock()
            throw error
        }
        condition.lock()
        checkedOut[ObjectIdentifier(connection)] = connection
        condition.unlock()
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
        condition.lock()
        checkedOut[ObjectIdentifier(connection)] = nil
        let keep = reusable && !isClosed
        if keep {
            idle.append(connection)
        } else {
            slotsTaken -= 1
        }
        condition.signal()
        condition.unlock()
        if !keep {
            connection.close()
        }
    }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    fileprivate var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// "10s", "0.5s".
    fileprivate var secondsText: String {
        let seconds = timeInterval
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
