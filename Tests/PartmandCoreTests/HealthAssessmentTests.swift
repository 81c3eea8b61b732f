import Foundation
import Testing

@testable import PartmandCore

/// The verdict on its own input; the CLI's tests cover it from engine reports, with its rendering.
@Suite("HealthAssessment from its input")
struct CoreHealthAssessmentTests {
    let now = iso("2026-11-26T10:00:00Z")

    @Test("a failure from the database means the table could not be checked; any other is critical")
    func failures() {
        let input = HealthInput(
            table: webhookEvents, failed: true,
            failures: [
                .init(text: "permission denied (SQLSTATE 42501)", isDatabaseError: true),
                .init(text: "table does not exist", isDatabaseError: false),
            ])
        let health = HealthAssessment(input, now: now, premake: 4)
        #expect(health.status == .critical)
        #expect(health.problems == ["table does not exist", "could not check: permission denied (SQLSTATE 42501)"])
        let unreadable = HealthInput(table: webhookEvents, failed: true, failures: [input.failures[0]])
        #expect(HealthAssessment(unreadable, now: now, premake: 4).status == .unknown)
    }

    @Test("a lock held past the warning threshold is a warning naming the holder")
    func heldLock() {
        let input = HealthInput(table: webhookEvents, lock: .init(holder: "pid 4242", heldFor: 7200))
        let health = HealthAssessment(input, now: now, premake: 4, heldLockWarning: .seconds(3600))
        #expect(health.status == .warning)
        #expect(health.problems.first?.hasPrefix("locked for longer than 60 min: pid 4242") == true)
        #expect(HealthAssessment(input, now: now, premake: 4, heldLockWarning: .seconds(3 * 3600)).status == .ok)
    }

    @Test("a planned partition holding now is critical; nothing planned is ok")
    func partitionForNow() {
        let current = NewPartition(
            name: QualifiedName(schema: "public", name: "webhook_events_p20261101"),
            range: range(iso("2026-11-01T00:00:00Z"), iso("2026-12-01T00:00:00Z")))
        let missing = HealthInput(table: webhookEvents, planned: [.createPartition(current)])
        #expect(HealthAssessment(missing, now: now, premake: 4).status == .critical)
        let fine = HealthAssessment(HealthInput(table: webhookEvents), now: now, premake: 4)
        #expect(fine.status == .ok)
        #expect(fine.okDetail == "4 partitions ahead")
    }
}
