import Foundation
import PartmandConfig
import PartmandCore
import PartmandTime
import Testing

@Suite("Loading valid configuration")
struct ConfigLoaderTests {
    @Test("the reference configuration parses to the expected values")
    func reference() throws {
        let config = try parse(referenceYAML)
        #expect(config.source == "partmand.yaml")
        #expect(config.database.conninfo == "postgres://partmand@db.internal:5432/app")
        #expect(config.database.poolSize == 2)
        #expect(!config.database.fromEnvironment)
        #expect(config.maintenance.lockTimeout == .seconds(1))
        #expect(config.maintenance.statementTimeout == .seconds(300))
        #expect(config.maintenance.retries == 5)
        #expect(config.schedule.at == [TimeOfDay(parsing: "02:00")!])
        #expect(config.schedule.timeZone?.identifier == "Europe/Paris")
        #expect(config.schedule.every == nil)

        let table = try #require(config.tables.only)
        #expect(table.parent == QualifiedName(schema: "public", name: "webhook_events"))
        #expect(table.column == "received_at")
        #expect(table.interval == CalendarInterval(1, .month))
        #expect(table.premake == 4)
        #expect(table.retention == CalendarInterval(6, .month))
        #expect(table.retentionAction == .drop)
        #expect(table.defaultPartition)
        #expect(table.timeZone == .utc)
        #expect(table.enabled)
    }

    @Test("omitted sections take their defaults")
    func defaults() throws {
        let config = try parse(minimalYAML)
        #expect(config.database.conninfo == "")
        #expect(config.database.poolSize == 2)
        #expect(config.database.connectTimeout == 10)
        #expect(!config.database.fromEnvironment)
        #expect(config.maintenance == MaintenanceSettings())
        #expect(config.maintenance.lockTimeout == .seconds(1))
        #expect(config.maintenance.retries == 5)
        #expect(config.schedule.at == [TimeOfDay(parsing: "02:00")!])
        #expect(config.schedule.timeZone == nil)
        #expect(config.schedule.every == nil)
        #expect(config.schedule.runOnStart)
        #expect(config.schedule.jitter == .zero)
        #expect(config.schedule.retryAfter == .seconds(600))
        #expect(config.health.heldLockWarning == .seconds(3600))

        let table = try #require(config.tables.only)
        #expect(table.parent == QualifiedName(schema: "public", name: "webhook_events"))
        #expect(table.premake == 4)
        #expect(table.retention == nil)
        #expect(table.retentionAction == .drop)
        #expect(table.defaultPartition)
        #expect(table.timeZone == .utc)
        #expect(table.enabled)
    }

    @Test("health.held_lock_warning is read, and must be a positive duration")
    func healthSection() throws {
        let config = try parse(minimalYAML + "health:\n  held_lock_warning: 15min\n")
        #expect(config.health.heldLockWarning == .seconds(900))
        #expect(throws: ConfigError.self) { try parse(minimalYAML + "health:\n  held_lock_warning: 0s\n") }
        #expect(throws: ConfigError.self) { try parse(minimalYAML + "health:\n  lock: 1h\n") }
    }

    @Test("every table and schedule key is read")
    func everyKey() throws {
        let config = try parse(
            """
            database:
              conninfo: host=/run/postgresql dbname=app
              pool_size: 3
              connect_timeout: 30s
            maintenance:
              backoff: 500ms
              max_backoff: 1min
              retries: 0
            schedule:
              every: 15min
              run_on_start: false
              jitter: 30s
              retry_after: 5 minutes
            tables:
              - table: audit.events
                column: at
                interval: 1 day
                premake: 14
                retention: 90 days
                columnar_after: 30 days
                retention_action: archive
                archive_schema: audit_archive
                default_partition: false
                timezone: America/New_York
                enabled: false
              - table: audit.logins
                column: at
                interval: weekly
                retention_action: detach
            """)
        #expect(config.database.conninfo == "host=/run/postgresql dbname=app")
        #expect(config.database.poolSize == 3)
        #expect(config.database.connectTimeout == 30)
        #expect(config.maintenance.backoff == .milliseconds(500))
        #expect(config.maintenance.maxBackoff == .seconds(60))
        #expect(config.maintenance.retries == 0)
        #expect(config.schedule.every == .seconds(900))
        #expect(config.schedule.at.isEmpty)
        #expect(!config.schedule.runOnStart)
        #expect(config.schedule.jitter == .seconds(30))
        #expect(config.schedule.retryAfter == .seconds(300))

        #expect(config.tables.count == 2)
        let events = config.tables[0]
        #expect(events.parent == QualifiedName(schema: "audit", name: "events"))
        #expect(events.interval == CalendarInterval(1, .day))
        #expect(events.premake == 14)
        #expect(events.retention == CalendarInterval(90, .day))
        #expect(events.retentionAction == .archive(schema: "audit_archive"))
        #expect(events.columnarAfter == CalendarInterval(30, .day))
        #expect(config.tables[1].columnarAfter == nil)
        #expect(!events.defaultPartition)
        #expect(events.timeZone.identifier == "America/New_York")
        #expect(!events.enabled)
        #expect(config.tables[1].interval == CalendarInterval(1, .week))
        #expect(config.tables[1].retentionAction == .detach)
    }

    @Test(
        "times of day may be written unquoted",
        arguments: [
            ("at: 02:00", ["02:00"]),
            ("at: 2:00", ["02:00"]),  // YAML 1.1 reads this as the sexagesimal number 120; partmand reads the text
            ("at: \"23:59\"", ["23:59"]),
            ("at: [14:30, 02:00, \"14:30\"]", ["02:00", "14:30"]),
            ("at:\n    - 06:00\n    - 18:00", ["06:00", "18:00"]),
        ])
    func unquotedTimes(line: String, expected: [String]) throws {
        let config = try parse("schedule:\n  \(line)\n" + minimalYAML)
        #expect(config.schedule.at.map(\.description) == expected)
    }

    @Test(
        "YAML 1.1 booleans (yes/no/on/off) are booleans, as Yams resolves them",
        arguments: [("yes", true), ("no", false), ("on", true), ("off", false), ("True", true), ("FALSE", false)])
    func yamlBooleans(word: String, expected: Bool) throws {
        let config = try parse(minimalYAML + "    enabled: \(word)\n    default_partition: \(word)\n")
        #expect(config.tables[0].enabled == expected)
        #expect(config.tables[0].defaultPartition == expected)
    }

    @Test("retention: null keeps everything")
    func explicitNullRetention() throws {
        #expect(try parse(minimalYAML + "    retention: null\n").tables[0].retention == nil)
        #expect(try parse(minimalYAML + "    retention:\n").tables[0].retention == nil)
    }

    @Test(
        "pg_partman: { tables: all } needs no tables",
        arguments: ["", "tables: []\n", "tables:\n", "engine: pg_partman\n"])
    func partmanAllWithoutTables(rest: String) throws {
        let config = try parse("pg_partman:\n  tables: all\n" + rest)
        #expect(config.tables.isEmpty)
        #expect(config.partman.tables == .all)
    }

    @Test(
        "retention of at least one partition is accepted",
        arguments: [
            ("monthly", "1 month"), ("monthly", "4 weeks"), ("monthly", "30 days"), ("yearly", "12 months"),
            ("daily", "24 hours"), ("hourly", "60 minutes"), ("weekly", "7 days"), ("quarterly", "6 months"),
        ])
    func retentionOfOnePartition(interval: String, retention: String) throws {
        let yaml = "tables:\n  - table: t\n    column: c\n    interval: \(interval)\n    retention: \(retention)\n"
        #expect(try parse(yaml).tables[0].retention == CalendarInterval(parsing: retention))
    }

    @Test("names of exactly 63 bytes are accepted")
    func longestNames() throws {
        let name = String(repeating: "n", count: 63)
        let config = try parse(
            "tables:\n  - table: \(name).\(name)\n    column: \(name)\n    interval: daily\n"
                + "    retention: 7 days\n    retention_action: archive\n    archive_schema: \(name)\n")
        #expect(config.tables[0].parent == QualifiedName(schema: name, name: name))
        #expect(config.tables[0].column == name)
        #expect(config.tables[0].retentionAction == .archive(schema: name))
    }

    @Test(
        "table names: default schema, case folding and quoted identifiers",
        arguments: [
            ("webhook_events", "public", "webhook_events"),
            ("Public.Webhook_Events", "public", "webhook_events"),
            ("'\"Odd Schema\".\"Events\"'", "Odd Schema", "Events"),
            ("\"\\\"Odd Schema\\\".\\\"Events\\\"\"", "Odd Schema", "Events"),
            ("'\"say \"\"hi\"\"\".t'", "say \"hi\"", "t"),
            ("'app.\"Events.2024\"'", "app", "Events.2024"),
        ])
    func tableNames(written: String, schema: String, name: String) throws {
        let config = try parse("tables:\n  - table: \(written)\n    column: at\n    interval: daily\n")
        #expect(config.tables[0].parent == QualifiedName(schema: schema, name: name))
    }

    @Test("YAML anchors and aliases are resolved")
    func aliases() throws {
        let config = try parse(
            """
            tables:
              - table: a
                column: &column received_at
                interval: &interval monthly
              - table: b
                column: *column
                interval: *interval
            """)
        #expect(config.tables.map(\.column) == ["received_at", "received_at"])
        #expect(config.tables[1].interval == CalendarInterval(1, .month))
    }
}

@Suite("PARTMAND_DATABASE_URL and the file path")
struct ConfigEnvironmentTests {
    @Test("PARTMAND_DATABASE_URL replaces the file's connection")
    func databaseURLOverrides() throws {
        let config = try parse(referenceYAML, environment: ["PARTMAND_DATABASE_URL": "postgres://other@elsewhere/db"])
        #expect(config.database.conninfo == "postgres://other@elsewhere/db")
        #expect(config.database.fromEnvironment)
        #expect(config.database.poolSize == 2)
    }

    @Test("PARTMAND_DATABASE_URL applies when the file has no database section")
    func databaseURLWithoutSection() throws {
        let config = try parse(minimalYAML, environment: ["PARTMAND_DATABASE_URL": "host=/tmp dbname=x"])
        #expect(config.database.conninfo == "host=/tmp dbname=x")
        #expect(config.database.fromEnvironment)
    }

    @Test("an empty PARTMAND_DATABASE_URL is ignored")
    func emptyDatabaseURL() throws {
        let config = try parse(referenceYAML, environment: ["PARTMAND_DATABASE_URL": ""])
        #expect(config.database.conninfo == "postgres://partmand@db.internal:5432/app")
        #expect(!config.database.fromEnvironment)
    }

    @Test("the process environment is not consulted by parse")
    func onlyTheGivenEnvironment() throws {
        let config = try parse(referenceYAML)
        #expect(!config.database.fromEnvironment)
    }

    @Test("path precedence: --config, then PARTMAND_CONFIG, then the default")
    func pathPrecedence() {
        let environment = ["PARTMAND_CONFIG": "/from/env.yaml"]
        #expect(ConfigLoader.path(explicit: "/explicit.yaml", environment: environment) == "/explicit.yaml")
        #expect(ConfigLoader.path(explicit: nil, environment: environment) == "/from/env.yaml")
        #expect(ConfigLoader.path(explicit: nil, environment: [:]) == "/etc/partmand/partmand.yaml")
        #expect(ConfigLoader.path(explicit: nil, environment: ["PARTMAND_CONFIG": ""]) == ConfigLoader.defaultPath)
    }

    @Test("load reads a file and names it in errors")
    func loadFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("partmand-config-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.yaml").path
        let bad = directory.appendingPathComponent("bad.yaml").path
        try referenceYAML.write(toFile: good, atomically: true, encoding: .utf8)
        try referenceYAML.replacingOccurrences(of: "premake: 4", with: "premake: 0")
            .write(toFile: bad, atomically: true, encoding: .utf8)

        let config = try ConfigLoader.load(path: good, environment: ["PARTMAND_DATABASE_URL": "postgres://x@y/z"])
        #expect(config.source == good)
        #expect(config.tables.count == 1)
        #expect(config.database.conninfo == "postgres://x@y/z")

        #expect {
            try ConfigLoader.load(path: bad, environment: [:])
        } throws: { error in
            "\(error)".hasPrefix("\(bad):16:14: tables[0].premake: ")
        }
        let missing = directory.appendingPathComponent("missing.yaml").path
        #expect {
            try ConfigLoader.load(path: missing, environment: [:])
        } throws: { error in
            "\(error)".hasPrefix("\(missing): cannot read")
        }
    }
}

extension Collection {
    /// The single element, or nil when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
