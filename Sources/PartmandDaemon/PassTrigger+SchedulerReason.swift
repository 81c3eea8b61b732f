import PartmandEngine

extension PassTrigger {
    /// The trigger the run history records for a pass the state machine started with `reason`
    /// (`start`, `schedule`, `retry`, `SIGUSR1`).
    init(schedulerReason reason: String) {
        switch reason {
        case "start": self = .start
        case "retry": self = .retry
        case "SIGUSR1": self = .signal
        default: self = .scheduled
        }
    }
}
