import ArgumentParser
import Logging

/// Installs the process-wide log handler once, before anything logs.
enum LoggingSetup {
    static func bootstrap(level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap { label in
            LineLogHandler(logLevel: level, label: label, format: format, output: .standardError)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
