/// What started a pass, as the run history records it.
public enum PassTrigger: String, Sendable, CaseIterable {
    /// `partmand run` starting (`schedule.run_on_start`, the catch-up after downtime).
    case start
    /// `partmand run` at a scheduled time.
    case scheduled
    /// `partmand run` retrying tables that failed (`schedule.retry_after`).
    case retry
    /// `partmand run` on SIGUSR1.
    case signal
    /// `partmand once`.
    case once
}
