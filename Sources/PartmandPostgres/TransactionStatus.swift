import CLibPQ

/// Where a connection stands with respect to transactions (`PQtransactionStatus`).
public enum TransactionStatus: Sendable, Hashable {
    /// Idle, outside a transaction block.
    case idle
    /// A statement is in progress.
    case active
    /// Idle inside a transaction block.
    case inTransaction
    /// Idle inside a failed transaction block; only ROLLBACK helps.
    case inFailedTransaction
    /// Unknown, e.g. the connection is broken or closed.
    case unknown

    /// Maps libpq's status.
    init(_ status: PGTransactionStatusType) {
        switch status {
        case PQTRANS_IDLE: self = .idle
        case PQTRANS_ACTIVE: self = .active
        case PQTRANS_INTRANS: self = .inTransaction
        case PQTRANS_INERROR: self = .inFailedTransaction
        default: self = .unknown
        }
    }
}
