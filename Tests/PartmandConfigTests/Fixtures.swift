import Foundation
import PartmandConfig
import Testing

/// The reference deployment from the design notes.
let referenceYAML = """
    # partmand reference configuration
    database:
      url: postgres://partmand@db.internal:5432/app
      pool_size: 2
    maintenance:
      lock_timeout: 1s
      statement_timeout: 5min
      retries: 5
    schedule:
      at: ["02:00"]
      timezone: Europe/Paris
    tables:
      - table: public.webhook_events
        column: received_at
        interval: monthly
        premake: 4
        retention: 6 months
        retention_action: drop

    """

/// The smallest valid file: one table, every other setting left to its default.
let minimalYAML = """
    tables:
      - table: webhook_events
        column: received_at
        interval: monthly

    """

/// Parses `text` as the file `partmand.yaml`.
func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigError) -> PartmandConfiguration {
    try ConfigLoader.parse(text, file: "partmand.yaml", environment: environment)
}

/// The error parsing `text` gives; records an issue and returns nil when it parses.
func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let config = try parse(text)
        Issue.record(
            "expected a configuration error, got \(config.tables.count) table(s)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
