import Foundation
import Logging
import PartmandCore
import PartmandLogging
import PartmandTime
import Yams

/// Reads and validates a partmand YAML file, strictly: unknown keys, wrong types and bad values are
/// errors naming the file, line and key.
public enum ConfigLoader {
    /// The default location of the configuration file.
    public static let defaultPath = "/etc/partmand/partmand.yaml"

    /// The path to read: `--config`, else `PARTMAND_CONFIG`, else the default.
    public static func path(explicit: String?, environment: [String: String]) -> String {
        explicit ?? environment["PARTMAND_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath
    }

    /// Reads `path`; `PARTMAND_DATABASE_URL` in `environment` replaces the file's connection.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> PartmandConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: path, environment: environment)
    }

    /// Parses configuration text; `file` is only used in messages.
    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws(ConfigError)
        -> PartmandConfiguration
    {
        let root: Node
        do {
            // No document, or only `---`: an empty plain scalar.
            guard let node = try Yams.compose(yaml: text, ConfigNode.resolver),
                node.scalar.map({ $0.string.isEmpty && $0.style == .plain }) != true
            else {
                throw ConfigError(file: file, line: nil, key: "", message: "the file is empty")
            }
            root = node
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw yamlError(error, text: text, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        let top = try ConfigNode(node: root, path: "", file: file).mapping(allowed: [
            "database", "maintenance", "schedule", "log", "health", "tables", "engine", "pg_partman", "metrics",
            "history",
        ])
        var database = try top["database"].map(parseDatabase) ?? Self.defaultDatabase
        if let url = environment["PARTMAND_DATABASE_URL"], !url.isEmpty {
            database.conninfo = url
            database.fromEnvironment = true
        }
        let engine = try top["engine"].map(parseEngine) ?? .native
        let directory = (file as NSString).deletingLastPathComponent
        var configuration = PartmandConfiguration(
            database: database,
            maintenance: try top["maintenance"].map(parseMaintenance) ?? Self.defaultMaintenance,
            schedule: try top["schedule"].map(parseSchedule) ?? Self.defaultSchedule,
            log: try top["log"].map(parseLog) ?? Self.defaultLog,
            tables: [],
            source: file
        )
        configuration.engine = engine
        if let health = top["health"] { configuration.health = try parseHealth(health) }
        if let metrics = top["metrics"] { configuration.metrics = try parseMetrics(metrics) }
        if let history = top["history"], !history.isNull { configuration.history = try parseHistory(history) }
        configuration.partman = try top["pg_partman"].map(parsePartman) ?? PartmanOptions()
        let tablesNode = top["tables"]
        if let tablesNode, !tablesNode.isNull {
            configuration.tables = try parseTables(tablesNode, defaultEngine: engine, directory: directory)
        }
        // With pg_partman: { tables: all }, the registered sets are something to maintain.
        if configuration.tables.isEmpty && configuration.partman.tables != .all {
            let message = "list the tables to maintain (or set pg_partman: { tables: all })"
            throw tablesNode?.error("empty: \(message)")
                ?? ConfigError(file: file, line: nil, key: "tables", message: "missing: \(message)")
        }
        if let history = configuration.history {
            try addHistoryTable(history, to: &configuration, tablesNode: tablesNode)
        }
        return configuration
    }

    /// Puts the history table first in the tables to maintain, so that each pass makes its partitions
    /// before it writes rows; when `tables:` lists it, checks that entry instead.
    private static func addHistoryTable(
        _ history: HistorySettings, to configuration: inout PartmandConfiguration, tablesNode: ConfigNode?
    ) throws(ConfigError) {
        guard let index = configuration.tables.firstIndex(where: { $0.parent == history.table }) else {
            configuration.tables.insert(history.spec, at: 0)
            return
        }
        let listed = configuration.tables[index]
        if listed.engine != .native || listed.column != RunHistoryTable.keyColumn {
            let message =
                "\(history.table) is the history table (history.table): list it with engine: native and "
                + "column: \(RunHistoryTable.keyColumn), or leave it out (partmand then maintains it itself)"
            let element = try tablesNode?.sequence()[index]
            throw element?.error(message)
                ?? ConfigError(file: configuration.source, line: nil, key: "history.table", message: message)
        }
        configuration.history?.listedInTables = true
    }

    static let defaultDatabase = DatabaseSettings(conninfo: "", poolSize: 2, connectTimeout: 10, fromEnvironment: false)
    static let defaultMaintenance = MaintenanceSettings()
    static let defaultSchedule = ScheduleSettings(
        at: [TimeOfDay(hour: 2, minute: 0)], timeZone: nil, every: nil, runOnStart: true, jitter: .zero,
        retryAfter: .seconds(600), shutdownTimeout: .seconds(10))
    static let defaultLog = LogSettings(level: .info, format: .logfmt)

    private static func yamlError(_ error: YamlError, text: String, file: String) -> ConfigError {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            return DuplicateKeyLocator.error(
                key: duplicates.first ?? "", firstAt: context.mark, text: text, file: file)
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "not valid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return ConfigError(file: file, line: mark.line, column: mark.column, key: "", message: message)
        default:
            let description = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return ConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(description)")
        }
    }

    private static func parseDatabase(_ node: ConfigNode) throws(ConfigError) -> DatabaseSettings {
        let keys = try node.mapping(allowed: ["url", "conninfo", "pool_size", "connect_timeout"])
        var settings = defaultDatabase
        if keys["url"] != nil, let conninfo = keys["conninfo"] {
            throw conninfo.error("set either url or conninfo, not both")
        }
        if let url = keys["url"] {
            let value = try url.string()
            guard value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
                throw url.error("expected a postgres:// or postgresql:// URL (use conninfo for key=value strings)")
            }
            settings.conninfo = value
        }
        if let conninfo = keys["conninfo"] { settings.conninfo = try conninfo.string() }
        if let setting = keys["url"] ?? keys["conninfo"], ConninfoPassword.holdsPassword(settings.conninfo) {
            settings.passwordLocation = setting.location
        }
        if let pool = keys["pool_size"] {
            settings.poolSize = try pool.int()
            guard (1...64).contains(settings.poolSize) else { throw pool.error("must be between 1 and 64") }
        }
        if let timeout = keys["connect_timeout"] {
            let duration = try parseDuration(timeout)
            settings.connectTimeout = max(1, Int(duration.components.seconds))
        }
        return settings
    }

    private static func parseMaintenance(_ node: ConfigNode) throws(ConfigError) -> MaintenanceSettings {
        let keys = try node.mapping(allowed: [
            "lock_timeout", "exclusive_lock_timeout", "statement_timeout", "retries", "backoff", "max_backoff",
        ])
        var settings = defaultMaintenance
        if let value = keys["lock_timeout"] { settings.lockTimeout = try parsePositiveDuration(value) }
        if let value = keys["exclusive_lock_timeout"] {
            settings.exclusiveLockTimeout = try parsePositiveDuration(value)
        }
        if let value = keys["statement_timeout"] { settings.statementTimeout = try parsePositiveDuration(value) }
        if let value = keys["backoff"] { settings.backoff = try parseDuration(value) }
        if let value = keys["max_backoff"] { settings.maxBackoff = try parseDuration(value) }
        if let value = keys["retries"] {
            settings.retries = try value.int()
            guard (0...100).contains(settings.retries) else { throw value.error("must be between 0 and 100") }
        }
        return settings
    }

    private static func parseSchedule(_ node: ConfigNode) throws(ConfigError) -> ScheduleSettings {
        let keys = try node.mapping(allowed: [
            "at", "timezone", "every", "run_on_start", "jitter", "retry_after", "shutdown_timeout",
        ])
        var settings = defaultSchedule
        if let at = keys["at"], keys["every"] != nil {
            throw at.error("set either at or every, not both")
        }
        if let at = keys["at"] {
            var times: [TimeOfDay] = []
            for text in try at.strings() {
                guard let time = TimeOfDay(parsing: text) else {
                    throw at.error("'\(text)' is not a time of day HH:MM")
                }
                times.append(time)
            }
            guard !times.isEmpty else { throw at.error("needs at least one time") }
            settings.at = Array(Set(times)).sorted()
        }
        if let every = keys["every"] {
            settings.every = try parsePositiveDuration(every)
            settings.at = []
        }
        if let zone = keys["timezone"] { settings.timeZone = try parseTimeZone(zone) }
        if let value = keys["run_on_start"] { settings.runOnStart = try value.bool() }
        if let value = keys["jitter"] {
            settings.jitter = try parseDuration(value)
            // A delay as long as the gap between two runs would push a run past the next one.
            let gap = smallestGap(settings)
            guard settings.jitter < gap else {
                throw value.error("must be shorter than the shortest gap between two runs (\(gap))")
            }
        }
        if let value = keys["retry_after"] { settings.retryAfter = try parsePositiveDuration(value) }
        if let value = keys["shutdown_timeout"] { settings.shutdownTimeout = try parsePositiveDuration(value) }
        return settings
    }

    /// The shortest time between two consecutive runs of a schedule (times of day wrap at midnight).
    private static func smallestGap(_ settings: ScheduleSettings) -> Duration {
        if let every = settings.every { return every }
        let minutes = settings.at.map { $0.hour * 60 + $0.minute }.sorted()
        let gaps = zip(minutes, minutes.dropFirst() + [minutes[0] + 24 * 60]).map { $1 - $0 }
        return .seconds(60 * (gaps.min() ?? 24 * 60))
    }

    private static func parseHealth(_ node: ConfigNode) throws(ConfigError) -> HealthSettings {
        let keys = try node.mapping(allowed: ["held_lock_warning"])
        var settings = HealthSettings()
        if let value = keys["held_lock_warning"] { settings.heldLockWarning = try parsePositiveDuration(value) }
        return settings
    }

    private static func parseMetrics(_ node: ConfigNode) throws(ConfigError) -> MetricsSettings {
        guard !node.isNull else { return MetricsSettings() }
        let keys = try node.mapping(allowed: ["listen"])
        var settings = MetricsSettings()
        if let value = keys["listen"], !value.isNull {
            switch ListenAddress.parse(try value.string()) {
            case .success(let address): settings.listen = address
            case .failure(let error): throw value.error(error.reason)
            }
        }
        return settings
    }

    private static func parseHistory(_ node: ConfigNode) throws(ConfigError) -> HistorySettings {
        let keys = try node.mapping(allowed: ["table", "retention"])
        guard let tableNode = keys["table"], !tableNode.isNull else {
            throw node.error("missing required key 'table' (e.g. table: partmand.maintenance_log)")
        }
        let tableName = try tableNode.string()
        let table: QualifiedName
        do {
            table = try QualifiedName(parsing: tableName)
        } catch {
            throw tableNode.error(error.description)
        }
        var settings = HistorySettings(table: table)
        if let value = keys["retention"] {
            if value.isNull {
                settings.retention = nil
            } else {
                let retention = try parseInterval(value)
                guard !retention.isShorter(than: RunHistoryTable.interval) else {
                    throw value.error(
                        "\(retention) is shorter than one partition of the history table "
                            + "(\(RunHistoryTable.interval)): make it at least \(RunHistoryTable.interval)")
                }
                settings.retention = retention
            }
        }
        return settings
    }

    private static func parseLog(_ node: ConfigNode) throws(ConfigError) -> LogSettings {
        let keys = try node.mapping(allowed: ["level", "format"])
        var settings = defaultLog
        if let value = keys["level"] { settings.level = try parseChoice(value, Logger.Level.self) }
        if let value = keys["format"] { settings.format = try parseChoice(value, LogFormat.self) }
        return settings
    }

    /// One of the cases of `Choice`, by name; the error lists them all.
    private static func parseChoice<Choice: RawRepresentable & CaseIterable>(_ node: ConfigNode, _: Choice.Type)
        throws(ConfigError) -> Choice where Choice.RawValue == String
    {
        guard let choice = Choice(rawValue: try node.string()) else {
            throw node.error("expected one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return choice
    }

    private static func parseEngine(_ node: ConfigNode) throws(ConfigError) -> EngineKind {
        let text = try node.string()
        guard let engine = EngineKind(rawValue: text) else {
            throw node.error("expected native or pg_partman, got '\(text)'")
        }
        return engine
    }

    private static func parsePartman(_ node: ConfigNode) throws(ConfigError) -> PartmanOptions {
        let keys = try node.mapping(allowed: ["tables", "create_extension", "schema", "jobmon"])
        var options = PartmanOptions()
        if let value = keys["tables"] {
            let text = try value.string()
            guard let selection = PartmanOptions.Selection(rawValue: text) else {
                throw value.error("expected all or listed, got '\(text)'")
            }
            options.tables = selection
        }
        if let value = keys["create_extension"] { options.createExtension = try value.bool() }
        if let value = keys["schema"] {
            options.schema = try identifier(value)
            guard !options.schema.isEmpty else { throw value.error("must not be empty") }
        }
        if let value = keys["jobmon"] { options.jobmon = try value.bool() }
        return options
    }

    private static func parseTables(_ node: ConfigNode, defaultEngine: EngineKind, directory: String)
        throws(ConfigError) -> [TableSpec]
    {
        var specs: [TableSpec] = []
        var seen: [QualifiedName: Int] = [:]
        for element in try node.sequence() {
            let spec = try parseTable(element, defaultEngine: defaultEngine, directory: directory)
            if let first = seen[spec.parent] {
                throw element.error("\(spec.parent) is listed twice (first at line \(first))")
            }
            seen[spec.parent] = element.line ?? 0
            specs.append(spec)
        }
        return specs
    }

    private static func parseTable(_ node: ConfigNode, defaultEngine: EngineKind, directory: String)
        throws(ConfigError) -> TableSpec
    {
        let keys = try node.mapping(allowed: tableKeys)
        func required(_ key: String) throws(ConfigError) -> ConfigNode {
            guard let value = keys[key] else { throw node.error("missing required key '\(key)'") }
            return value
        }
        let tableNode = try required("table")
        let parent: QualifiedName
        let tableName = try tableNode.string()
        do {
            parent = try QualifiedName(parsing: tableName)
        } catch {
            throw tableNode.error(error.description)
        }
        let column = try identifier(required("column"))
        let intervalNode = try required("interval")
        let interval = try parseInterval(intervalNode)
        var spec = TableSpec(parent: parent, column: column, interval: interval)
        if let value = keys["premake"] {
            spec.premake = try value.int()
            guard (1...1000).contains(spec.premake) else { throw value.error("must be between 1 and 1000") }
        }
        if let value = keys["retention"], !value.isNull {
            let retention = try parseInterval(value)
            guard !retention.isShorter(than: interval) else {
                throw value.error(
                    "\(retention) is shorter than one partition (\(interval)): partitions would be retired right "
                        + "after they end (\(retention) later), the one holding now included; make it at least "
                        + "\(interval)")
            }
            spec.retention = retention
        }
        spec.retentionAction = try parseRetentionAction(keys["retention_action"], archiveSchema: keys["archive_schema"])
        if let value = keys["default_partition"] { spec.defaultPartition = try value.bool() }
        if let value = keys["timezone"] { spec.timeZone = try parseTimeZone(value) }
        if let value = keys["enabled"] { spec.enabled = try value.bool() }
        spec.engine = try keys["engine"].map(parseEngine) ?? defaultEngine
        if let value = keys["default_rows"] {
            let text = try value.string()
            guard let policy = DefaultRowsPolicy(rawValue: text) else {
                throw value.error("expected move or refuse, got '\(text)'")
            }
            spec.defaultRows = policy
        }
        if let value = keys["infinite_time_partitions"] { spec.infiniteTimePartitions = try value.bool() }
        if let value = keys["create"] {
            guard spec.engine == .native else {
                throw value.error(
                    "only for engine: native tables (pg_partman tables are created by hand, then registered)")
            }
            let path = try value.string()
            guard !path.isEmpty else { throw value.error("expected the path of a SQL file") }
            spec.createFile = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        }
        if let value = keys["columnar_after"], !value.isNull {
            guard spec.engine == .native else {
                throw value.error("only for engine: native tables (pg_partman does not convert partitions)")
            }
            let after = try parseInterval(value)
            guard !after.isShorter(than: interval) else {
                throw value.error(
                    "\(after) is shorter than one partition (\(interval)): the partition holding now would be "
                        + "converted; make it at least \(interval)")
            }
            if let retention = spec.retention, !after.isShorter(than: retention) {
                throw value.error(
                    "\(after) is not shorter than retention (\(retention)): partitions would be retired before "
                        + "they are converted")
            }
            spec.columnarAfter = after
        }
        if spec.engine == .pgPartman, case .archive = spec.retentionAction {
            throw (keys["retention_action"] ?? node).error(
                "archive is not available for engine: pg_partman tables (use drop or detach)")
        }
        return spec
    }

    /// The keys of a `tables:` entry.
    private static let tableKeys: Set<String> = [
        "table", "column", "interval", "premake", "retention", "retention_action", "archive_schema",
        "default_partition", "timezone", "enabled", "engine", "default_rows", "infinite_time_partitions",
        "create", "columnar_after",
    ]

    private static func parseRetentionAction(_ node: ConfigNode?, archiveSchema: ConfigNode?) throws(ConfigError)
        -> RetentionAction
    {
        let action = try node?.string() ?? "drop"
        switch action {
        case "drop", "detach":
            if let archiveSchema { throw archiveSchema.error("only used with retention_action: archive") }
            return action == "drop" ? .drop : .detach
        case "archive":
            guard let archiveSchema else {
                throw (node!).error("archive needs archive_schema: the schema retired partitions move to")
            }
            return .archive(schema: try identifier(archiveSchema))
        default:
            throw (node!).error("expected drop, detach or archive, got '\(action)'")
        }
    }

    /// A string naming a column or schema, refused when PostgreSQL would truncate it.
    private static func identifier(_ node: ConfigNode) throws(ConfigError) -> String {
        let text = try node.string()
        guard text.utf8.count <= QualifiedName.maxIdentifierBytes else {
            throw node.error(
                "name is longer than PostgreSQL's \(QualifiedName.maxIdentifierBytes)-byte limit "
                    + "(\(text.utf8.count) bytes)")
        }
        return text
    }

    private static func parseInterval(_ node: ConfigNode) throws(ConfigError) -> CalendarInterval {
        let text = try node.string()
        if let interval = CalendarInterval(parsing: text) { return interval }
        if DurationParser.trimmedSpaces(text).hasPrefix("-") || text.hasPrefix("0") {
            throw node.error("'\(text)' must be positive")
        }
        throw node.error(
            "cannot parse '\(text)' (expected hourly, daily, weekly, monthly, quarterly, yearly, "
                + "or 'N minutes|hours|days|weeks|months|years')")
    }

    private static func parseTimeZone(_ node: ConfigNode) throws(ConfigError) -> Zone {
        let name = try node.string()
        guard let zone = Zone(identifier: name) else {
            throw node.error("unknown time zone '\(name)' (use an IANA name such as Europe/Paris or UTC)")
        }
        return zone
    }

    private static func parseDuration(_ node: ConfigNode) throws(ConfigError) -> Duration {
        let text = try node.string()
        guard let duration = DurationParser.parse(text) else {
            throw node.error("cannot parse duration '\(text)' (examples: 500ms, 1s, 5min, 2h)")
        }
        return duration
    }

    private static func parsePositiveDuration(_ node: ConfigNode) throws(ConfigError) -> Duration {
        let duration = try parseDuration(node)
        guard duration > .zero else { throw node.error("must be greater than zero") }
        return duration
    }
}
