import ArgumentParser
import Logging
import PartmandLogging
import PartmandSystemd

/// Installs the process-wide log handler once, before anything logs.
enum LoggingSetup {
    /// Native journal entries when stderr is connected to the journal (`$JOURNAL_STREAM` matches it),
    /// otherwise one line per event on stderr in `format`.
    static func bootstrap(level: Logger.Level, format: LogFormat, environment: [String: String]) {
        if JournalStream.stderrIsJournal(environment: environment) {
            LoggingSystem.bootstrap { label in JournalLogHandler(label: label, level: level) }
        } else {
            LoggingSystem.bootstrap { label in
                LineLogHandler(logLevel: level, label: label, format: format)
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}
