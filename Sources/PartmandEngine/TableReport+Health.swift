import Foundation
import PartmandCore

extension TableReport {
    /// What `HealthAssessment` judges of this report (from `MaintenanceEngine.plan`).
    public var healthInput: HealthInput {
        HealthInput(
            table: table, failed: status == .failed,
            failures: errors.map { HealthInput.Failure(text: $0.detail, isDatabaseError: $0.isDatabaseError) },
            planned: planned, findings: findings,
            lock: lockHolder.map { HealthInput.Lock(holder: "\($0)", heldFor: $0.heldFor) },
            defaultRows: defaultRowsLeft)
    }
}

extension HealthAssessment {
    /// Judges `report` (from `MaintenanceEngine.plan`) at `now`: see `init(_:now:premake:heldLockWarning:)`.
    public init(_ report: TableReport, now: Date, premake: Int?, heldLockWarning: Duration = .seconds(3600)) {
        self.init(report.healthInput, now: now, premake: premake, heldLockWarning: heldLockWarning)
    }
}
