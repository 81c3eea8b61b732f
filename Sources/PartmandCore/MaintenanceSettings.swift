/// Safety settings for every maintenance statement.
public struct MaintenanceSettings: Hashable, Sendable {
    /// How long DDL may wait for a lock before giving up (and retrying later).
    public var lockTimeout: Duration
    /// The lock timeout for statements that need ACCESS EXCLUSIVE on a parent (a plain DETACH, when the
    /// table has a default partition): while such a statement waits, every INSERT into the table waits
    /// behind it, so it gives up sooner and retries.
    public var exclusiveLockTimeout: Duration
    public var statementTimeout: Duration
    /// Retries after a lock timeout or deadlock, per action.
    public var retries: Int
    /// The first pause between retries; it doubles each time (with jitter) up to `maxBackoff`.
    public var backoff: Duration
    public var maxBackoff: Duration

    public init(
        lockTimeout: Duration = .seconds(1), exclusiveLockTimeout: Duration = .milliseconds(200),
        statementTimeout: Duration = .seconds(300), retries: Int = 5, backoff: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(30)
    ) {
        self.lockTimeout = lockTimeout
        self.exclusiveLockTimeout = exclusiveLockTimeout
        self.statementTimeout = statementTimeout
        self.retries = retries
        self.backoff = backoff
        self.maxBackoff = maxBackoff
    }
}
