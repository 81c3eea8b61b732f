import PartmandConfig
import Testing

/// A configuration mistake and where its error must point.
struct BadConfig: Sendable, CustomTestStringConvertible {
    let name: String
    let yaml: String
    /// The 1-based line and column the error must name; nil when the mistake has no place (a missing key).
    let line: Int?
    let column: Int?
    /// The key path the error must name; empty for the whole document.
    let key: String
    /// Text the message must contain.
    let message: String

    init(_ name: String, _ yaml: String, at line: Int?, _ column: Int?, key: String, _ message: String) {
        self.name = name
        self.yaml = yaml
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    var testDescription: String { name }

    /// `partmand.yaml:LINE:COLUMN: KEY: `
    var expectedPrefix: String {
        var location = "partmand.yaml"
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return key.isEmpty ? "\(location): " : "\(location): \(key): "
    }
}

/// Lines 1–4 of every table case: a valid table; the cases add lines from line 5 on.
private let table = minimalYAML

private let badConfigs: [BadConfig] = [
    // Unknown keys.
    BadConfig(
        "unknown top-level key", "databse:\n  url: postgres://h/db\n" + table, at: 1, 1, key: "databse",
        "unknown key (known keys: database, engine, health, history, log, maintenance, metrics, pg_partman, schedule, tables)"
    ),
    BadConfig(
        "unknown database key", "database:\n  urll: postgres://h/db\n" + table, at: 2, 3, key: "database.urll",
        "unknown key"),
    BadConfig(
        "unknown schedule key", "schedule:\n  at: 02:00\n  tz: UTC\n" + table, at: 3, 3, key: "schedule.tz",
        "unknown key"),
    BadConfig("unknown table key", table + "    premak: 4\n", at: 5, 5, key: "tables[0].premak", "unknown key"),
    BadConfig(
        "unknown metrics key", table + "metrics:\n  port: 9187\n", at: 6, 3, key: "metrics.port",
        "unknown key (known keys: listen)"),

    // metrics.listen.
    BadConfig(
        "metrics.listen without a port", table + "metrics:\n  listen: localhost\n", at: 6, 11,
        key: "metrics.listen", "expected HOST:PORT, [IPv6]:PORT or an absolute socket path"),
    BadConfig(
        "metrics.listen with port 0", table + "metrics:\n  listen: 127.0.0.1:0\n", at: 6, 11,
        key: "metrics.listen", "the port must be a number between 1 and 65535, got '0'"),
    BadConfig(
        "metrics.listen with a bare IPv6 address", table + "metrics:\n  listen: \"::1:9187\"\n", at: 6, 11,
        key: "metrics.listen", "write an IPv6 address in brackets"),
    BadConfig(
        "metrics.listen with a relative socket path", table + "metrics:\n  listen: run/metrics.sock\n", at: 6,
        11, key: "metrics.listen", "expected HOST:PORT"),
    BadConfig(
        "metrics.listen as a number", table + "metrics:\n  listen: [9187]\n", at: 6, 11, key: "metrics.listen",
        "expected a string"),
    BadConfig(
        "metrics as a string", table + "metrics: 127.0.0.1:9187\n", at: 5, 10, key: "metrics",
        "expected a mapping"),

    // Wrong types.
    BadConfig(
        "premake as a word", table + "    premake: \"four\"\n", at: 5, 14, key: "tables[0].premake",
        "expected a whole number, got 'four'"),
    BadConfig(
        "premake as a fraction", table + "    premake: 4.5\n", at: 5, 14, key: "tables[0].premake",
        "expected a whole number, got '4.5'"),
    BadConfig(
        "premake as a quoted number", table + "    premake: \"4\"\n", at: 5, 14, key: "tables[0].premake",
        "expected a whole number"),
    BadConfig(
        "premake as a list", table + "    premake: [4]\n", at: 5, 14, key: "tables[0].premake",
        "expected a whole number, got 'a structure'"),
    BadConfig(
        "enabled as a quoted yes", table + "    enabled: \"yes\"\n", at: 5, 14, key: "tables[0].enabled",
        "expected true or false, got 'yes'"),
    BadConfig(
        "enabled as a word", table + "    enabled: maybe\n", at: 5, 14, key: "tables[0].enabled",
        "expected true or false"),
    BadConfig(
        "enabled as a number", table + "    enabled: 1\n", at: 5, 14, key: "tables[0].enabled",
        "expected true or false"),
    BadConfig(
        "column as a mapping", "tables:\n  - table: t\n    column: {name: at}\n    interval: daily\n", at: 3, 13,
        key: "tables[0].column", "expected a string"),
    BadConfig(
        "database as a list", "database: [postgres://h/db]\n" + table, at: 1, 11, key: "database",
        "expected a mapping"),

    // Bad values.
    BadConfig(
        "misspelt interval", "tables:\n  - table: t\n    column: c\n    interval: montly\n", at: 4, 15,
        key: "tables[0].interval", "cannot parse 'montly'"),
    BadConfig(
        "premake 0", table + "    premake: 0\n", at: 5, 14, key: "tables[0].premake", "must be between 1 and 1000"),
    BadConfig(
        "negative retention", table + "    retention: -1 month\n", at: 5, 16, key: "tables[0].retention",
        "'-1 month' must be positive"),
    BadConfig(
        "zero retention", table + "    retention: 0 months\n", at: 5, 16, key: "tables[0].retention",
        "'0 months' must be positive"),
    BadConfig(
        "retention without a unit", table + "    retention: 6\n", at: 5, 16, key: "tables[0].retention",
        "cannot parse '6'"),
    BadConfig(
        "unknown retention action", table + "    retention_action: purge\n", at: 5, 23,
        key: "tables[0].retention_action", "expected drop, detach or archive, got 'purge'"),
    BadConfig(
        "archive without archive_schema", table + "    retention: 6 months\n    retention_action: archive\n", at: 6,
        23, key: "tables[0].retention_action", "archive needs archive_schema"),
    BadConfig(
        "archive_schema without archive", table + "    archive_schema: old_events\n", at: 5, 21,
        key: "tables[0].archive_schema", "only used with retention_action: archive"),
    BadConfig(
        "archive_schema with detach", table + "    retention_action: detach\n    archive_schema: old_events\n",
        at: 6, 21, key: "tables[0].archive_schema", "only used with retention_action: archive"),
    BadConfig(
        "unknown schedule time zone", "schedule:\n  timezone: Mars/Olympus_Mons\n" + table, at: 2, 13,
        key: "schedule.timezone", "unknown time zone 'Mars/Olympus_Mons'"),
    BadConfig(
        "unknown table time zone", table + "    timezone: Europe/Pariss\n", at: 5, 15, key: "tables[0].timezone",
        "unknown time zone 'Europe/Pariss'"),
    BadConfig(
        "a time zone name reaching outside the zone directory", table + "    timezone: ../../../etc/passwd\n", at: 5,
        15, key: "tables[0].timezone", "unknown time zone '../../../etc/passwd'"),
    BadConfig(
        "a file in the zone directory that is no zone", table + "    timezone: zone.tab\n", at: 5, 15,
        key: "tables[0].timezone", "unknown time zone 'zone.tab'"),
    BadConfig(
        "retention shorter than the interval", table + "    retention: 2 weeks\n", at: 5, 16,
        key: "tables[0].retention",
        "2 weeks is shorter than one partition (1 month): partitions would be retired right after they end"
            + " (2 weeks later), the one holding now included; make it at least 1 month"),
    BadConfig(
        "columnar_after shorter than the interval", table + "    columnar_after: 2 weeks\n", at: 5, 21,
        key: "tables[0].columnar_after",
        "2 weeks is shorter than one partition (1 month): the partition holding now would be converted"),
    BadConfig(
        "columnar_after not shorter than retention", table + "    retention: 3 months\n    columnar_after: 3 months\n",
        at: 6, 21, key: "tables[0].columnar_after",
        "3 months is not shorter than retention (3 months): partitions would be retired before they are converted"),
    BadConfig(
        "columnar_after on a pg_partman table", table + "    engine: pg_partman\n    columnar_after: 3 months\n",
        at: 6, 21, key: "tables[0].columnar_after", "only for engine: native tables"),
    BadConfig(
        "retention shorter than the shortest month", table + "    retention: 27 days\n", at: 5, 16,
        key: "tables[0].retention", "27 days is shorter than one partition (1 month)"),
    BadConfig(
        "retention shorter than a quarter, pg_partman engine",
        "tables:\n  - table: t\n    column: c\n    interval: quarterly\n    retention: 2 months\n"
            + "    engine: pg_partman\n", at: 5, 16, key: "tables[0].retention",
        "2 months is shorter than one partition (3 months)"),
    BadConfig(
        "table name longer than 63 bytes",
        "tables:\n  - table: public.\(String(repeating: "e", count: 64))\n    column: c\n    interval: daily\n",
        at: 2, 12, key: "tables[0].table", "table name is longer than PostgreSQL's 63-byte limit (64 bytes)"),
    BadConfig(
        "schema name longer than 63 bytes",
        "tables:\n  - table: \(String(repeating: "s", count: 70)).t\n    column: c\n    interval: daily\n",
        at: 2, 12, key: "tables[0].table", "schema name is longer than PostgreSQL's 63-byte limit (70 bytes)"),
    BadConfig(
        "quoted table name of 32 two-byte letters (64 bytes)",
        "tables:\n  - table: '\"\(String(repeating: "É", count: 32))\"'\n    column: c\n    interval: daily\n",
        at: 2, 12, key: "tables[0].table", "name is longer than PostgreSQL's 63-byte limit"),
    BadConfig(
        "column name longer than 63 bytes",
        "tables:\n  - table: t\n    column: \(String(repeating: "c", count: 64))\n    interval: daily\n", at: 3, 13,
        key: "tables[0].column", "name is longer than PostgreSQL's 63-byte limit (64 bytes)"),
    BadConfig(
        "archive_schema longer than 63 bytes",
        table + "    retention_action: archive\n    archive_schema: \(String(repeating: "a", count: 64))\n", at: 6,
        21, key: "tables[0].archive_schema", "name is longer than PostgreSQL's 63-byte limit"),
    BadConfig(
        "invalid table name", "tables:\n  - table: my events\n    column: c\n    interval: daily\n", at: 2, 12,
        key: "tables[0].table", "'my events' needs double quotes"),
    BadConfig(
        "three-part table name", "tables:\n  - table: db.public.t\n    column: c\n    interval: daily\n", at: 2, 12,
        key: "tables[0].table", "expected 'table' or 'schema.table'"),

    // Duplicates.
    BadConfig(
        "the same table twice (short and qualified names)",
        table + "  - table: public.webhook_events\n    column: c\n    interval: daily\n", at: 5, 5, key: "tables[1]",
        "public.webhook_events is listed twice (first at line 2)"),
    BadConfig(
        "the same table twice (case folded)",
        table + "  - table: Public.Webhook_Events\n    column: c\n    interval: daily\n", at: 5, 5, key: "tables[1]",
        "listed twice"),
    BadConfig(
        "duplicate key in database", "database:\n  pool_size: 2\n  pool_size: 3\n" + table, at: 3, 3,
        key: "database.pool_size", "duplicate key (first at line 2)"),
    BadConfig(
        "duplicate key in a table", table + "    interval: daily\n", at: 5, 5, key: "tables[0].interval",
        "duplicate key (first at line 4)"),
    BadConfig(
        "duplicate key in the second table",
        table + "  - table: b\n    column: c\n    column: d\n    interval: daily\n", at: 7, 5,
        key: "tables[1].column", "duplicate key (first at line 6)"),
    BadConfig(
        "duplicate top-level key", table + "tables: []\n", at: 5, 1, key: "tables", "duplicate key (first at line 1)"),
    BadConfig(
        "duplicate quoted key", "database:\n  pool_size: 2\n  \"pool_size\": 3\n" + table, at: 3, 3,
        key: "database.pool_size", "duplicate key"),
    BadConfig(
        "duplicate key in a flow mapping", "schedule: {at: \"02:00\", at: \"03:00\"}\n" + table, at: 1, 25,
        key: "schedule.at", "duplicate key (first at line 1)"),

    // Connection.
    BadConfig(
        "url and conninfo", "database:\n  url: postgres://h/db\n  conninfo: host=h\n" + table, at: 3, 13,
        key: "database.conninfo", "set either url or conninfo, not both"),
    BadConfig(
        "conninfo string in url", "database:\n  url: host=localhost dbname=app\n" + table, at: 2, 8,
        key: "database.url", "expected a postgres:// or postgresql:// URL"),
    BadConfig(
        "another scheme in url", "database:\n  url: mysql://u@h/db\n" + table, at: 2, 8, key: "database.url",
        "expected a postgres://"),
    BadConfig(
        "pool_size 0", "database:\n  pool_size: 0\n" + table, at: 2, 14, key: "database.pool_size",
        "must be between 1 and 64"),
    BadConfig(
        "connect_timeout without unit", "database:\n  connect_timeout: 10\n" + table, at: 2, 20,
        key: "database.connect_timeout", "cannot parse duration '10'"),

    // Durations and the schedule.
    BadConfig(
        "duration without unit", "maintenance:\n  lock_timeout: 1\n" + table, at: 2, 17,
        key: "maintenance.lock_timeout",
        "cannot parse duration '1'"),
    BadConfig(
        "duration as a word", "maintenance:\n  statement_timeout: fast\n" + table, at: 2, 22,
        key: "maintenance.statement_timeout", "cannot parse duration 'fast'"),
    BadConfig(
        "negative duration", "maintenance:\n  backoff: -1s\n" + table, at: 2, 12, key: "maintenance.backoff",
        "cannot parse duration '-1s'"),
    BadConfig(
        "zero lock_timeout", "maintenance:\n  lock_timeout: 0s\n" + table, at: 2, 17, key: "maintenance.lock_timeout",
        "must be greater than zero"),
    BadConfig(
        "absurdly long duration", "maintenance:\n  lock_timeout: 999999999999999999 days\n" + table, at: 2, 17,
        key: "maintenance.lock_timeout", "cannot parse duration"),
    BadConfig(
        "negative retries", "maintenance:\n  retries: -1\n" + table, at: 2, 12, key: "maintenance.retries",
        "must be between 0 and 100"),
    BadConfig(
        "schedule at 25:00", "schedule:\n  at: \"25:00\"\n" + table, at: 2, 7, key: "schedule.at",
        "'25:00' is not a time of day HH:MM"),
    BadConfig(
        "schedule at 12:60 in a list", "schedule:\n  at: [\"02:00\", \"12:60\"]\n" + table, at: 2, 7,
        key: "schedule.at", "'12:60' is not a time of day"),
    BadConfig(
        "schedule at noon", "schedule:\n  at: noon\n" + table, at: 2, 7, key: "schedule.at", "'noon' is not a time"),
    BadConfig(
        "schedule at an empty list", "schedule:\n  at: []\n" + table, at: 2, 7, key: "schedule.at", "at least one"),
    BadConfig(
        "schedule at and every", "schedule:\n  at: \"02:00\"\n  every: 1h\n" + table, at: 2, 7, key: "schedule.at",
        "set either at or every, not both"),
    BadConfig(
        "run_on_start as text", "schedule:\n  run_on_start: \"true\"\n" + table, at: 2, 17,
        key: "schedule.run_on_start", "expected true or false"),

    // Structure.
    BadConfig(
        "missing tables", "database:\n  pool_size: 2\n", at: nil, nil, key: "tables",
        "missing: list the tables to maintain (or set pg_partman: { tables: all })"),
    BadConfig(
        "an empty table list", "tables: []\n", at: 1, 9, key: "tables",
        "empty: list the tables to maintain (or set pg_partman: { tables: all })"),
    BadConfig("an empty tables key", "tables:\n", at: 1, 8, key: "tables", "empty: list the tables"),
    BadConfig(
        "an empty table list with pg_partman: { tables: listed }", "pg_partman:\n  tables: listed\ntables: []\n",
        at: 3, 9, key: "tables", "empty: list the tables"),
    BadConfig(
        "no tables with engine: pg_partman but no tables: all", "engine: pg_partman\n", at: nil, nil, key: "tables",
        "missing: list the tables"),
    BadConfig(
        "tables as a mapping", "tables:\n  table: webhook_events\n", at: 2, 3, key: "tables", "expected a list"),
    BadConfig(
        "missing column", "tables:\n  - table: t\n    interval: daily\n", at: 2, 5, key: "tables[0]",
        "missing required key 'column'"),
    BadConfig(
        "missing interval", "tables:\n  - table: t\n    column: c\n", at: 2, 5, key: "tables[0]",
        "missing required key 'interval'"),
    BadConfig(
        "missing table in the second entry", table + "  - column: c\n    interval: daily\n", at: 5, 5,
        key: "tables[1]", "missing required key 'table'"),
    BadConfig(
        "table entry as a string", "tables:\n  - webhook_events\n", at: 2, 5, key: "tables[0]",
        "expected a mapping"),
    BadConfig("a list at the top", "- tables\n- database\n", at: 1, 1, key: "", "expected a mapping"),
    BadConfig("a scalar at the top", "hello\n", at: 1, 1, key: "", "expected a mapping"),

    // YAML syntax.
    BadConfig(
        "bad indentation", "tables:\n  - table: a\n   column: x\n", at: 3, 4, key: "", "not valid YAML: "),
    BadConfig(
        "unclosed flow sequence", "tables: [a, b\n", at: 2, 1, key: "", "while parsing a flow sequence at line 1"),
    BadConfig(
        "unterminated quoted string", "database:\n  url: \"postgres://h/db\n" + "tables: []\n", at: 4, 1, key: "",
        "while scanning a quoted scalar at line 2, column 8"),
    BadConfig("tab indentation", "tables: []\n\tdatabase: {}\n", at: 2, 1, key: "", "not valid YAML: "),
    BadConfig(
        "undefined alias", "tables:\n  - table: a\n    column: *nope\n    interval: daily\n", at: 3, 13, key: "",
        "found undefined alias"),
]

@Suite("Configuration mistakes")
struct ConfigErrorTests {
    @Test("each mistake names the file, the line and the key", arguments: badConfigs)
    func located(_ bad: BadConfig) throws {
        let error = try #require(parseError(bad.yaml))
        #expect(error.file == "partmand.yaml")
        #expect(error.line == bad.line)
        #expect(error.column == bad.column)
        #expect(error.key == bad.key)
        #expect(error.message.contains(bad.message), "message: \(error.message)")
        #expect(error.description.hasPrefix(bad.expectedPrefix), "description: \(error.description)")
        #expect(!error.message.contains("\n"), "one line: \(error.message)")
    }

    @Test("the example from the documentation", arguments: ["\"four\"", "4.5", "0"])
    func documentedExample(premake: String) throws {
        let yaml = referenceYAML.replacingOccurrences(of: "premake: 4", with: "premake: \(premake)")
        let error = try #require(parseError(yaml))
        #expect(error.description.hasPrefix("partmand.yaml:16:14: tables[0].premake: "))
    }

    @Test("an empty file is an error", arguments: ["", "\n\n", "# only a comment\n", "---\n"])
    func emptyFile(text: String) throws {
        let error = try #require(parseError(text))
        #expect(error.description == "partmand.yaml: the file is empty")
    }

    @Test("a null document is an error")
    func nullDocument() throws {
        let error = try #require(parseError("null\n"))
        #expect(error.description.hasPrefix("partmand.yaml:1:1: "))
    }

    @Test("the first mistake is reported, not a later one")
    func firstMistake() throws {
        let error = try #require(parseError("database:\n  pool_size: 0\n" + minimalYAML + "    premake: 0\n"))
        #expect(error.key == "database.pool_size")
    }
}
