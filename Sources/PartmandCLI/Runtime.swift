import Logging
import PartmandConfig
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// The database-facing objects built from a configuration.
struct Runtime {
    let pool: ConnectionPool
    let engine: MaintenanceEngine

    init(_ config: PartmandConfiguration, logger: Logger) {
        let options = ConnectionOptions(
            conninfo: config.database.conninfo, connectTimeout: config.database.connectTimeout)
        pool = ConnectionPool(options: options, size: config.database.poolSize, logger: logger)
        engine = MaintenanceEngine(pool: pool, settings: config.maintenance, logger: logger)
    }
}

extension PartmandConfiguration {
    /// The configured tables, or only those named (each must be configured).
    func tables(named names: [String]) throws(TableSelectionError) -> [TableSpec] {
        guard !names.isEmpty else { return tables }
        var selected: [TableSpec] = []
        for text in names {
            guard let name = try? QualifiedName(parsing: text), let spec = tables.first(where: { $0.parent == name })
            else { throw TableSelectionError(name: text, source: source) }
            selected.append(spec)
        }
        return selected
    }
}

/// `--table` named a table the configuration does not list.
struct TableSelectionError: Error, CustomStringConvertible {
    let name: String
    let source: String
    var description: String { "table '\(name)' is not in the configuration \(source)" }
}
