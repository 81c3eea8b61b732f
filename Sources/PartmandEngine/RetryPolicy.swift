import Foundation
import PartmandCore
import PartmandPostgres

/// Which failures are worth retrying and how long to wait between attempts.
struct RetryPolicy: Sendable {
    var retries: Int
    var backoff: Duration
    var maxBackoff: Duration

    init(_ settings: MaintenanceSettings) {
        retries = settings.retries
        backoff = settings.backoff
        maxBackoff = settings.maxBackoff
    }

    /// SQLSTATEs that mean "try again later": lock_not_available and deadlock_detected.
    static let retryableStates: Set<String> = ["55P03", "40P01"]

    func isRetryable(_ error: PostgresError) -> Bool {
        error.sqlState.map(Self.retryableStates.contains) ?? false
    }

    /// The pause before retry number `attempt` (1-based): doubling from `backoff`, capped at
    /// `maxBackoff`, with ±25 % jitter so competing sessions do not retry in lockstep.
    func delay(beforeRetry attempt: Int) -> Duration {
        let base = backoff.timeInterval * pow(2, Double(min(attempt - 1, 30)))
        let capped = min(base, maxBackoff.timeInterval)
        let jittered = capped * Double.random(in: 0.75...1.25)
        return .milliseconds(Int64(jittered * 1000))
    }
}
