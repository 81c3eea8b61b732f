import Foundation
import PartmandConfig
import PartmandCore
import Testing

@Suite("pg_partman and setup keys")
struct PartmanConfigTests {
    static let partmanYAML = """
        engine: pg_partman
        pg_partman:
          tables: all
          create_extension: true
          schema: pm
          jobmon: true
        tables:
          - table: public.webhook_events
            column: received_at
            interval: monthly
            premake: 4
            retention: 6 months
            retention_action: detach
            default_rows: move
            infinite_time_partitions: false
          - table: public.audit
            column: at
            interval: daily
            engine: native
            create: sql/audit.sql

        """

    @Test("engine, pg_partman, default_rows, infinite_time_partitions and create are read")
    func readsKeys() throws {
        let config = try ConfigLoader.parse(Self.partmanYAML, file: "/etc/partmand/partmand.yaml")
        #expect(config.engine == .pgPartman)
        #expect(config.partman == PartmanOptions(tables: .all, createExtension: true, schema: "pm", jobmon: true))
        let events = config.tables[0]
        #expect(events.engine == .pgPartman)
        #expect(events.defaultRows == .move)
        #expect(events.infiniteTimePartitions == false)
        #expect(events.retentionAction == .detach)
        let audit = config.tables[1]
        #expect(audit.engine == .native)
        #expect(audit.createFile == "/etc/partmand/sql/audit.sql")
        #expect(audit.defaultRows == .refuse)
        #expect(audit.infiniteTimePartitions == true)
    }

    @Test("defaults: native engine, listed sets, no extension creation, schema partman, no jobmon")
    func defaults() throws {
        let config = try parse(minimalYAML)
        #expect(config.engine == .native)
        #expect(config.partman == PartmanOptions())
        #expect(config.partman.tables == .listed && config.partman.schema == "partman")
        #expect(config.tables[0].engine == .native && config.tables[0].defaultRows == .refuse)
    }

    @Test("mistakes name the file, line and key")
    func errors() throws {
        let cases: [(String, String, String)] = [
            (
                minimalYAML + "    engine: partman\n", "partmand.yaml:5:13: tables[0].engine",
                "expected native or pg_partman"
            ),
            (minimalYAML + "    default_rows: keep\n", "partmand.yaml:5:19: tables[0].default_rows", "move or refuse"),
            ("pg_partman:\n  tables: some\n" + minimalYAML, "partmand.yaml:2:11: pg_partman.tables", "all or listed"),
            ("pg_partman:\n  jobmon: 1\n" + minimalYAML, "partmand.yaml:2:11: pg_partman.jobmon", "true or false"),
            ("pg_partman:\n  schemas: x\n" + minimalYAML, "partmand.yaml:2:3: pg_partman.schemas", "unknown key"),
            ("engine: cron\n" + minimalYAML, "partmand.yaml:1:9: engine", "expected native or pg_partman"),
            (
                minimalYAML + "    engine: pg_partman\n    retention_action: archive\n    archive_schema: old\n",
                "partmand.yaml:6:23: tables[0].retention_action", "archive is not available for engine: pg_partman"
            ),
            (
                minimalYAML + "    engine: pg_partman\n    create: t.sql\n", "partmand.yaml:6:13: tables[0].create",
                "only for engine: native"
            ),
        ]
        for (yaml, prefix, message) in cases {
            guard let error = parseError(yaml) else { continue }
            #expect(error.description.hasPrefix(prefix + ": "), "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test("config show renders the new keys and they parse back")
    func rendering() throws {
        let config = try ConfigLoader.parse(Self.partmanYAML, file: "/etc/partmand/partmand.yaml")
        let rendered = ConfigRendering.yaml(config) { $0 }
        for line in [
            "engine: pg_partman", "  tables: all", "  create_extension: true", "  schema: \"pm\"", "  jobmon: true",
            "    default_rows: move", "    infinite_time_partitions: false", "    engine: native",
            "    create: \"/etc/partmand/sql/audit.sql\"",
        ] {
            #expect(rendered.contains(line + "\n"), "missing \(line) in\n\(rendered)")
        }
        let reparsed = try ConfigLoader.parse(rendered, file: "rendered.yaml")
        #expect(reparsed.tables == config.tables)
        #expect(reparsed.partman == config.partman)
        #expect(reparsed.engine == config.engine)
    }
}
