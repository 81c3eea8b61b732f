import Foundation
import Logging
import PartmandConfig
import PartmandCore
import PartmandRuntime

/// What the one-shot table commands (once, plan, health) share: the configuration, the tables chosen
/// with `--table`, the instant treated as now, and a connection pool with an engine.
struct TableCommandContext {
    let config: PartmandConfiguration
    let specs: [TableSpec]
    let now: Date
    /// Whether `now` is the real clock (not `--now` or PARTMAND_NOW).
    let nowFromClock: Bool
    let runtime: Runtime

    /// Builds the context, runs `body` with it, and closes the pool.
    static func with<T>(
        _ common: CommonOptions, _ time: NowOption, tables: [String], _ body: (TableCommandContext) throws -> T
    ) throws -> T {
        let config = try common.start()
        let now = try time.resolve(environment: common.environment)
        let context = TableCommandContext(
            config: config, specs: try config.tables(named: tables), now: now.date, nowFromClock: now.fromClock,
            runtime: Runtime(config, logger: Logger(label: "partmand")))
        defer { context.runtime.pool.close() }
        return try body(context)
    }
}
