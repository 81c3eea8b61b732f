import Foundation
import PartmandCore
import PartmandTime

/// Renders the effective configuration back to YAML, with every default filled in.
public enum ConfigRendering {
    /// YAML text; `redact` hides secrets in the connection string.
    public static func yaml(_ config: PartmandConfiguration, redact: (String) -> String) -> String {
        var lines = ["# effective configuration from \(config.source)"]
        lines.append("database:")
        let connection = config.database.conninfo
        let key = connection.hasPrefix("postgres") ? "url" : "conninfo"
        lines.append("  \(key): \(quote(redact(connection)))")
        if config.database.fromEnvironment { lines.append("  # from PARTMAND_DATABASE_URL") }
        lines.append("  pool_size: \(config.database.poolSize)")
        if let timeout = config.database.connectTimeout { lines.append("  connect_timeout: \(timeout)s") }
        let m = config.maintenance
        lines += [
            "maintenance:",
            "  lock_timeout: \(duration(m.lockTimeout))",
            "  exclusive_lock_timeout: \(duration(m.exclusiveLockTimeout))",
            "  statement_timeout: \(duration(m.statementTimeout))",
            "  retries: \(m.retries)",
            "  backoff: \(duration(m.backoff))",
            "  max_backoff: \(duration(m.maxBackoff))",
        ]
        let s = config.schedule
        lines.append("schedule:")
        if let every = s.every {
            lines.append("  every: \(duration(every))")
        } else {
            lines.append("  at: [" + s.at.map { quote($0.description) }.joined(separator: ", ") + "]")
        }
        lines.append("  timezone: \(s.timeZone.map(\.identifier) ?? "\(Zone.system.identifier)  # system zone")")
        lines += [
            "  run_on_start: \(s.runOnStart)",
            "  jitter: \(duration(s.jitter))",
            "  retry_after: \(duration(s.retryAfter))",
            "  shutdown_timeout: \(duration(s.shutdownTimeout))",
            "log:",
            "  level: \(config.log.level.rawValue)",
            "  format: \(config.log.format.rawValue)",
            "health:",
            "  held_lock_warning: \(duration(config.health.heldLockWarning))",
            "metrics:",
            "  listen: " + (config.metrics.listen.map { quote($0.description) } ?? "null  # no /metrics, /healthz"),
        ]
        if let history = config.history {
            lines += [
                "history:",
                "  table: \(quote(history.table.description))",
                "  retention: " + (history.retention.map { $0.description } ?? "null  # keep everything"),
            ]
        } else {
            lines.append("history: null  # no run history")
        }
        let p = config.partman
        lines += [
            "engine: \(config.engine.rawValue)",
            "pg_partman:",
            "  tables: \(p.tables.rawValue)",
            "  create_extension: \(p.createExtension)",
            "  schema: \(quote(p.schema))",
            "  jobmon: \(p.jobmon)",
        ]
        lines.append(config.tables.isEmpty ? "tables: []" : "tables:")
        for table in config.tables {
            if let history = config.history, !history.listedInTables, table.parent == history.table {
                lines.append("  # the history table (history:), maintained by partmand")
            }
            lines += [
                "  - table: \(quote(table.parent.description))",
                "    column: \(quote(table.column))",
                "    interval: \(table.interval)",
                "    premake: \(table.premake)",
                "    retention: " + (table.retention.map(\.description) ?? "null  # keep everything"),
            ]
            switch table.retentionAction {
            case .drop, .detach: lines.append("    retention_action: \(table.retentionAction)")
            case .archive(let schema):
                lines += ["    retention_action: archive", "    archive_schema: \(quote(schema))"]
            }
            lines += [
                "    default_partition: \(table.defaultPartition)",
                "    timezone: \(table.timeZone.identifier)",
                "    enabled: \(table.enabled)",
                "    engine: \(table.engine.rawValue)",
                "    default_rows: \(table.defaultRows.rawValue)",
                "    infinite_time_partitions: \(table.infiniteTimePartitions)",
            ]
            if let create = table.createFile { lines.append("    create: \(quote(create))") }
            if let after = table.columnarAfter { lines.append("    columnar_after: \(after)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func duration(_ value: Duration) -> String {
        let seconds = value.components.seconds
        let milliseconds = value.milliseconds
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        if seconds % 3600 == 0 && seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 && seconds > 0 { return "\(seconds / 60)min" }
        return "\(seconds)s"
    }
}
