import Logging
import PartmandConfig
import PartmandEngine
import PartmandPostgres

/// The database-facing objects built from a configuration: a connection pool and an engine over it.
public struct Runtime: Sendable {
    public let pool: ConnectionPool
    public let engine: MaintenanceEngine

    public init(_ config: PartmandConfiguration, logger: Logger) {
        let options = ConnectionOptions(
            conninfo: config.database.conninfo, connectTimeout: config.database.connectTimeout)
        pool = ConnectionPool(options: options, size: config.database.poolSize, logger: logger)
        engine = MaintenanceEngine(pool: pool, settings: config.maintenance, logger: logger, partman: config.partman)
    }
}
