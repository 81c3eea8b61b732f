import PartmandCore
import PartmandPostgres

extension ConnectionOptions {
    /// These options with the configured `lock_timeout` and `statement_timeout` as every session's own
    /// values, so that whatever a maintenance session runs is bounded by them. The pg_partman driver's
    /// one-statement path relies on it: a `statement_timeout` set inside a statement does not bound that
    /// statement, so the session must have it before.
    public func withMaintenanceTimeouts(_ settings: MaintenanceSettings) -> ConnectionOptions {
        withSessionTimeouts(lock: settings.lockTimeout, statement: settings.statementTimeout)
    }

    /// These options with `lock` and `statement` as every session's `lock_timeout` and
    /// `statement_timeout` (in place of any set before).
    func withSessionTimeouts(lock: Duration, statement: Duration) -> ConnectionOptions {
        var options = self
        options.sessionSettings.removeAll { $0.name == "lock_timeout" || $0.name == "statement_timeout" }
        options.sessionSettings += [("lock_timeout", lock.settingText), ("statement_timeout", statement.settingText)]
        return options
    }
}
