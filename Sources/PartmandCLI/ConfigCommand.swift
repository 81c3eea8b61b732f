import ArgumentParser
import PartmandConfig
import PartmandPostgres

/// `partmand config check|show`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate or print the configuration.",
        subcommands: [Check.self, Show.self])

    /// `partmand config check`: validate without connecting.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration without connecting to the database (exit 78 when invalid).")

        @OptionGroup var common: CommonOptions

        func run() throws {
            let config = try common.start(logWarnings: false)
            for warning in config.warnings() { printError("warning: \(warning)") }
            print("\(config.source): ok, \(config.tables.count) table(s)")
        }
    }

    /// `partmand config show`: the effective configuration, secrets redacted.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration (defaults filled in, passwords redacted).")

        @OptionGroup var common: CommonOptions

        func run() throws {
            let config = try common.start()
            print(ConfigRendering.yaml(config) { ConnectionOptions(conninfo: $0).redacted }, terminator: "")
        }
    }
}
