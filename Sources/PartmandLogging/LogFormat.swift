/// How log lines are written when they do not go to the journal.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `time=… level=info msg="…" table=…`, one line per event.
    case logfmt
    /// One JSON object per line, for log shippers.
    case json
}
