import PartmandCore
import PartmandPostgres

extension ConnectionOptions {
    /// These options with the configured `lock_timeout` and `statement_timeout` as every session's own
    /// values, so that whatever a maintenance session runs is bounded by them. The pg_partman driver's
    /// one-statement path relies on it: a `statement_timeout` set inside a statement does not bound that
    /// statement, so the session must have it before.
    public func withMaintenanceTimeouts(_ settings: MaintenanceSettings) -> ConnectionOptions {
        var options = self
        options.sessionSettings += [
            ("lock_timeout", settings.lockTimeout.settingText),
            ("statement_timeout", settings.statementTimeout.settingText),
        ]
        return options
    }
}
