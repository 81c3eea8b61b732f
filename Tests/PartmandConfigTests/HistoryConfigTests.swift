import PartmandConfig
import PartmandCore
import Testing

private let table = minimalYAML

/// Mistakes in `history:` and where their errors point (lines 1–4: a valid table).
private let badHistories: [BadConfig] = [
    BadConfig(
        "history without a table", table + "history:\n  retention: 90 days\n", at: 6, 3, key: "history",
        "missing required key 'table'"),
    BadConfig(
        "unknown history key", table + "history:\n  table: partmand.log\n  keep: 90 days\n", at: 7, 3,
        key: "history.keep", "unknown key (known keys: retention, table)"),
    BadConfig(
        "history table with three parts", table + "history:\n  table: a.b.c\n", at: 6, 10, key: "history.table",
        "expected 'table' or 'schema.table'"),
    BadConfig(
        "history table name too long", table + "history:\n  table: partmand.\(String(repeating: "x", count: 64))\n",
        at: 6, 10, key: "history.table", "longer than PostgreSQL's 63-byte limit"),
    BadConfig(
        "history retention unparsable", table + "history:\n  table: partmand.log\n  retention: 90 dayz\n", at: 7, 14,
        key: "history.retention", "cannot parse '90 dayz'"),
    BadConfig(
        "history retention shorter than a partition", table + "history:\n  table: partmand.log\n  retention: 7 days\n",
        at: 7, 14, key: "history.retention", "7 days is shorter than one partition of the history table (1 month)"),
    BadConfig(
        "history retention negative", table + "history:\n  table: partmand.log\n  retention: -1 days\n", at: 7, 14,
        key: "history.retention", "must be positive"),
    BadConfig(
        "history as a list", table + "history: [partmand.log]\n", at: 5, 10, key: "history", "expected a mapping"),
    BadConfig(
        "history table listed on another column",
        table + "  - table: partmand.log\n    column: finished_at\n    interval: monthly\n"
            + "history:\n  table: partmand.log\n", at: 5, 5, key: "tables[1]",
        "partmand.log is the history table (history.table): list it with engine: native and column: started_at"),
]

@Suite("history")
struct HistoryConfigTests {
    @Test("off unless set; null is off too")
    func offByDefault() throws {
        #expect(try parse(minimalYAML).history == nil)
        #expect(try parse(minimalYAML + "history:\n").history == nil)
        #expect(try parse(minimalYAML + "history: null\n").history == nil)
        #expect(try parse(minimalYAML).tables.count == 1)
    }

    @Test("the table and the retention; the history table is maintained first, natively, by month")
    func parsed() throws {
        let config = try parse(minimalYAML + "history:\n  table: partmand.maintenance_log\n  retention: 6 months\n")
        let history = try #require(config.history)
        let name = QualifiedName(schema: "partmand", name: "maintenance_log")
        #expect(history.table == name)
        #expect(history.retention == CalendarInterval(6, .month))
        #expect(!history.listedInTables)
        #expect(config.tables.map(\.parent) == [name, QualifiedName(schema: "public", name: "webhook_events")])
        let spec = config.tables[0]
        #expect(spec.column == "started_at")
        #expect(spec.interval == CalendarInterval(1, .month))
        #expect(spec.premake == RunHistoryTable.premake)
        #expect(spec.retention == CalendarInterval(6, .month))
        #expect(spec.retentionAction == .drop)
        #expect(!spec.defaultPartition)
        #expect(spec.engine == .native)
        #expect(spec.enabled)
    }

    @Test("the retention defaults to 90 days; null keeps everything; a quoted name keeps its case")
    func retention() throws {
        let defaulted = try parse(minimalYAML + "history:\n  table: maintenance_log\n")
        #expect(defaulted.history?.retention == CalendarInterval(90, .day))
        #expect(defaulted.history?.table == QualifiedName(schema: "public", name: "maintenance_log"))
        #expect(defaulted.tables[0].retention == CalendarInterval(90, .day))

        let kept = try parse(minimalYAML + "history:\n  table: '\"Ops\".\"Run Log\"'\n  retention: null\n")
        #expect(kept.history?.retention == nil)
        #expect(kept.history?.table == QualifiedName(schema: "Ops", name: "Run Log"))
        #expect(kept.tables[0].retention == nil)

        // A month counts as 28 days at least: 4 weeks is a month's worth, 27 days is not.
        #expect(try parse(minimalYAML + "history:\n  table: l\n  retention: 4 weeks\n").history != nil)
        #expect(try parse(minimalYAML + "history:\n  table: l\n  retention: 1 year\n").history != nil)
    }

    @Test("a history table listed in tables keeps its own entry and is not added twice")
    func listed() throws {
        let config = try parse(
            minimalYAML
                + "  - table: partmand.log\n    column: started_at\n    interval: daily\n    retention: 30 days\n"
                + "history:\n  table: partmand.log\n")
        #expect(config.history?.listedInTables == true)
        #expect(config.tables.count == 2)
        #expect(config.tables[1].parent == QualifiedName(schema: "partmand", name: "log"))
        #expect(config.tables[1].interval == CalendarInterval(1, .day))
        #expect(config.tables[1].retention == CalendarInterval(30, .day))
    }

    @Test("history alone is nothing to maintain")
    func historyAloneIsNotEnough() throws {
        let error = try #require(parseError("history:\n  table: partmand.log\n"))
        #expect(error.key == "tables")
        let withPartman = try parse("history:\n  table: partmand.log\npg_partman:\n  tables: all\n")
        #expect(withPartman.tables.map(\.parent.name) == ["log"])
    }

    @Test("each mistake names the file, the line and the key", arguments: badHistories)
    func located(_ bad: BadConfig) throws {
        let error = try #require(parseError(bad.yaml))
        #expect(error.line == bad.line)
        #expect(error.column == bad.column)
        #expect(error.key == bad.key)
        #expect(error.message.contains(bad.message), "message: \(error.message)")
        #expect(error.description.hasPrefix(bad.expectedPrefix), "description: \(error.description)")
    }

    @Test("config show renders the section, and the rendering parses back to the same tables")
    func rendering() throws {
        let original = try parse(minimalYAML + "history:\n  table: partmand.maintenance_log\n  retention: 3 months\n")
        let rendered = ConfigRendering.yaml(original) { $0 }
        #expect(rendered.contains("history:\n  table: \"partmand.maintenance_log\"\n  retention: 3 months\n"))
        #expect(rendered.contains("# the history table (history:), maintained by partmand"))
        let reparsed = try ConfigLoader.parse(rendered, file: "rendered.yaml")
        #expect(reparsed.tables == original.tables)
        #expect(reparsed.history?.table == original.history?.table)
        #expect(reparsed.history?.retention == original.history?.retention)
        #expect(ConfigRendering.yaml(try parse(minimalYAML)) { $0 }.contains("history: null"))
    }
}
