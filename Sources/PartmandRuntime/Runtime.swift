import Logging
import PartmandConfig
import PartmandEngine
import PartmandPostgres

/// The database-facing objects built from a configuration: a connection pool and an engine over it.
public struct Runtime: Sendable {
    public let pool: ConnectionPool
    public let engine: MaintenanceEngine
    /// The `history:` section; nil when no run history is written.
    public let history: HistorySettings?
    /// How the pool connects; the history writer connects the same way.
    let connectionOptions: ConnectionOptions
    /// The history writer's timeouts (its lock timeout is the maintenance one).
    let historyTimeouts: HistoryRecorder.Timeouts
    let logger: Logger

    public init(_ config: PartmandConfiguration, logger: Logger) {
        let options = ConnectionOptions(
            conninfo: config.database.conninfo, connectTimeout: config.database.connectTimeout
        ).withMaintenanceTimeouts(config.maintenance)
        pool = ConnectionPool(options: options, size: config.database.poolSize, logger: logger)
        engine = MaintenanceEngine(pool: pool, settings: config.maintenance, logger: logger, partman: config.partman)
        history = config.history
        connectionOptions = options
        historyTimeouts = HistoryRecorder.Timeouts(lock: config.maintenance.lockTimeout)
        self.logger = logger
    }
}
