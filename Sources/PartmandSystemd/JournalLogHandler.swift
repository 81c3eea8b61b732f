import Logging

/// A swift-log handler that writes native journal entries (journald's native protocol, ``NativeJournal``).
///
/// Each event becomes one entry with `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, `CODE_FILE`,
/// `CODE_LINE`, `CODE_FUNC` (the log call's `#fileID`, `#line`, `#function`) and one
/// `PARTMAND_<KEY>` field per metadata key (see ``JournalFieldName``), so `journalctl PARTMAND_TABLE=…`
/// finds the lines about a table. An error attached to the event is added as `PARTMAND_ERROR` unless
/// metadata already has an `error` key.
///
/// Like libsystemd's `sd_journal_sendv`, sending reports success and drops the entry when no journald
/// listens, so install this handler only when ``JournalStream/stderrIsJournal(environment:)`` says the journal is there.
public struct JournalLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// The `SYSLOG_IDENTIFIER` of every entry.
    public let identifier: String
    /// The minimum level logged.
    public var logLevel: Logger.Level
    /// Metadata added to every entry of this handler.
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata fetched for every entry (defaults to the bootstrapped provider).
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler logging at `level` and above under `identifier`.
    public init(label: String, identifier: String = "partmand", level: Logger.Level = .info) {
        self.label = label
        self.identifier = identifier
        self.logLevel = level
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    /// Reads or writes one metadata entry of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Sends the event to journald as one native entry.
    public func log(event: LogEvent) {
        _ = NativeJournal.send(fields(for: event))
    }

    /// The `FIELD=value` assignments of one entry, in a stable order.
    func fields(for event: LogEvent) -> [String] {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }

        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(event.level.syslogPriority)",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for key in merged.keys.sorted() {
            fields.append("\(JournalFieldName.forMetadataKey(key))=\(merged[key]!)")
        }
        return fields
    }
}
