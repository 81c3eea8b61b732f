import Foundation
import PartmandConfig
import PartmandCore
import PartmandTime
import Testing

@Suite("Rendering the effective configuration")
struct ConfigRenderingTests {
    /// Several shapes of configuration: the reference, the defaults, and every option set.
    static let sources: [String] = [
        referenceYAML,
        minimalYAML,
        #"""
        database:
          conninfo: "host=/run/postgresql dbname=app password='it''s \"odd\"'"
          pool_size: 7
          connect_timeout: 3s
        maintenance:
          lock_timeout: 250ms
          statement_timeout: 2h
          retries: 0
          backoff: 1500ms
          max_backoff: 90s
        metrics:
          listen: "[::1]:9187"
        schedule:
          every: 45min
          timezone: Asia/Kolkata
          run_on_start: false
          jitter: 1min
          retry_after: 30s
        tables:
          - table: '"Odd Schema"."Events"'
            column: Received At
            interval: 15 minutes
            premake: 96
            retention: 2 weeks
            retention_action: archive
            archive_schema: Old Stuff
            default_partition: false
            timezone: Australia/Lord_Howe
            enabled: false
          - table: 'app."say ""hi"""'
            column: at
            interval: quarterly
            retention_action: detach
          - table: 'Sales.Orders_2024'
            column: at
            interval: yearly
            retention: 7 years
          - table: Ventes.Événements
            column: at
            interval: monthly
        """#,
        """
        schedule:
          at: [23:30, 02:00, 12:15]
        pg_partman:
          tables: all
        tables: []
        """,
    ]

    @Test("the rendering parses back to the same configuration", arguments: sources.indices)
    func roundTrip(index: Int) throws {
        let original = try parse(Self.sources[index])
        let rendered = ConfigRendering.yaml(original) { $0 }
        let reparsed: PartmandConfiguration
        do {
            reparsed = try ConfigLoader.parse(rendered, file: "rendered.yaml")
        } catch {
            Issue.record("rendering does not parse: \(error)\n\(rendered)")
            return
        }
        #expect(reparsed.tables == original.tables, "\(rendered)")
        #expect(reparsed.maintenance == original.maintenance)
        #expect(reparsed.database.conninfo == original.database.conninfo)
        #expect(reparsed.database.poolSize == original.database.poolSize)
        #expect(reparsed.database.connectTimeout == original.database.connectTimeout)
        #expect(reparsed.schedule.at == original.schedule.at)
        #expect(reparsed.schedule.every == original.schedule.every)
        #expect(reparsed.schedule.runOnStart == original.schedule.runOnStart)
        #expect(reparsed.schedule.jitter == original.schedule.jitter)
        #expect(reparsed.schedule.retryAfter == original.schedule.retryAfter)
        #expect(reparsed.metrics == original.metrics)
        // Without a zone the system zone applies; the rendering spells it out.
        #expect(reparsed.schedule.timeZone == (original.schedule.timeZone ?? Zone.system))

        // Rendering is stable: a second round gives the same text, but for the source line and the
        // note that the zone was not configured.
        let again = ConfigRendering.yaml(reparsed) { $0 }
        #expect(
            again.split(separator: "\n").dropFirst()
                == rendered.replacingOccurrences(of: "  # system zone", with: "").split(separator: "\n").dropFirst())
    }

    @Test("every default is written out")
    func defaultsFilledIn() throws {
        let rendered = ConfigRendering.yaml(try parse(minimalYAML)) { $0 }
        for line in [
            "  pool_size: 2", "  lock_timeout: 1s", "  statement_timeout: 5min", "  retries: 5", "  at: [\"02:00\"]",
            "  run_on_start: true", "    premake: 4", "    retention_action: drop", "    default_partition: true",
            "    enabled: true", "  - table: \"public.webhook_events\"",
        ] {
            #expect(rendered.contains(line + "\n"), "missing \(line) in\n\(rendered)")
        }
        #expect(rendered.hasPrefix("# effective configuration from partmand.yaml\n"))
        #expect(rendered.contains("# system zone"))
        #expect(rendered.contains("retention: null  # keep everything"))
    }

    @Test("the connection string goes through the redact closure")
    func redaction() throws {
        var received: String?
        let config = try parse(
            referenceYAML.replacingOccurrences(of: "partmand@db", with: "partmand:s3cret@db"))
        let rendered = ConfigRendering.yaml(config) { text in
            received = text
            return "<hidden>"
        }
        #expect(received == "postgres://partmand:s3cret@db.internal:5432/app")
        #expect(rendered.contains("  url: \"<hidden>\"\n"))
        #expect(!rendered.contains("s3cret"))
    }

    @Test("a conninfo is rendered as conninfo, and an environment override is marked")
    func connectionKinds() throws {
        let conninfo = try parse("database:\n  conninfo: host=h password=pw\n" + minimalYAML)
        #expect(ConfigRendering.yaml(conninfo) { $0 }.contains("  conninfo: \"host=h password=pw\"\n"))

        let overridden = try parse(referenceYAML, environment: ["PARTMAND_DATABASE_URL": "postgresql://x@y/z"])
        let rendered = ConfigRendering.yaml(overridden) { $0 }
        #expect(rendered.contains("  url: \"postgresql://x@y/z\"\n  # from PARTMAND_DATABASE_URL\n"))
    }
}
