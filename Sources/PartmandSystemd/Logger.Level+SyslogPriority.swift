import Logging

extension Logger.Level {
    /// The syslog priority journald stores in `PRIORITY` (trace and debug share 7).
    var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
