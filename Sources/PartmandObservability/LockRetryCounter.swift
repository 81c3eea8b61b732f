import Logging

/// A log handler in front of the daemon's own that counts the engine's retries after a lock timeout or
/// deadlock (its warnings "…; retry N of M in …" carry `sqlstate` 55P03 or 40P01 and the logger's
/// `table`) into `partmand_table_lock_retries_total`, then passes every event on unchanged. It lets
/// warnings through even when the inner handler's level is higher, to count them, and forwards only
/// what the inner handler's level admits.
public struct LockRetryCounter: LogHandler {
    private var inner: any LogHandler
    private let metrics: PartmandMetrics
    /// The SQLSTATEs the engine retries.
    static let retriedStates: Set<String> = ["55P03", "40P01"]

    public init(wrapping inner: any LogHandler, metrics: PartmandMetrics) {
        self.inner = inner
        self.metrics = metrics
    }

    public var logLevel: Logger.Level {
        get { min(inner.logLevel, .warning) }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        if event.level == .warning, let state = event.metadata?["sqlstate"], Self.retriedStates.contains("\(state)"),
            "\(event.message)".contains("; retry "), let table = inner[metadataKey: "table"]
        {
            metrics.countLockRetry(table: "\(table)")
        }
        guard event.level >= inner.logLevel else { return }
        inner.log(event: event)
    }
}
