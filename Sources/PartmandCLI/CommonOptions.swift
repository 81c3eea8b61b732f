import ArgumentParser
import Foundation
import Logging
import PartmandConfig
import PartmandLogging

/// Options shared by every command.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $PARTMAND_CONFIG, else /etc/partmand/partmand.yaml).")
    var config: String?

    @Option(
        name: .long,
        help: "Log level: trace, debug, info, notice, warning, error, critical (default: log.level, else info).")
    var logLevel: Logger.Level?

    @Option(name: .long, help: "Log line format on stderr: logfmt or json (default: log.format, else logfmt).")
    var logFormat: LogFormat?

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The configuration file to read.
    var configPath: String { ConfigLoader.path(explicit: config, environment: environment) }

    /// Loads the configuration (a bad one ends the process with exit code 78), then sets up logging:
    /// native journal entries when stderr is the journal, else lines on stderr. With `logWarnings`,
    /// what is risky about the configuration (a password in a file others can read) is logged.
    func start(logWarnings: Bool = true) throws -> PartmandConfiguration {
        CredentialFiles.usePgpassCredential(environment: environment)
        let configuration = try loadConfiguration()
        LoggingSetup.bootstrap(
            level: logLevel ?? configuration.log.level, format: logFormat ?? configuration.log.format,
            environment: environment)
        if logWarnings {
            let logger = Logger(label: "partmand")
            for warning in configuration.warnings() { logger.warning("\(warning)") }
        }
        return configuration
    }

    func loadConfiguration() throws -> PartmandConfiguration {
        let path = configPath
        do {
            return try ConfigLoader.load(path: path, environment: environment)
        } catch {
            printError("configuration error: \(error)")
            throw ExitCode.badConfig
        }
    }
}

/// The instant a one-shot command treats as "now".
struct NowOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Treat this ISO-8601 instant as now, e.g. 2027-01-15T02:00:00Z (default: $PARTMAND_NOW, else the clock).",
            valueName: "instant"))
    var now: String?

    /// Refuses a bad `--now` while parsing the command line, before the configuration is read.
    func validate() throws {
        if now != nil { _ = try resolve(environment: [:]) }
    }

    /// The chosen instant, and whether it came from the real clock.
    func resolve(environment: [String: String]) throws -> (date: Date, fromClock: Bool) {
        guard let text = now ?? environment["PARTMAND_NOW"] else { return (Date(), true) }
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw ValidationError("cannot read '\(text)' as an ISO-8601 instant such as 2027-01-15T02:00:00Z")
        }
        return (date, false)
    }
}

/// Writes a line to stderr.
func printError(_ text: String) {
    LineSink.standardError.write(text + "\n")
}
