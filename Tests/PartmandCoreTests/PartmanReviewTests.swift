import Foundation
import Testing

@testable import PartmandCore

@Suite("IntervalSpan: timestamptz - interval in UTC")
struct IntervalSpanTests {
    @Test("months keep the day and the time of day")
    func months() {
        #expect(IntervalSpan(months: 6).subtracted(from: iso("2026-11-26T10:00:00Z")) == iso("2026-05-26T10:00:00Z"))
        #expect(IntervalSpan(months: 14).subtracted(from: iso("2026-11-26T10:00:00Z")) == iso("2025-09-26T10:00:00Z"))
    }

    @Test("a day past the end of a shorter month lands on its last day")
    func clampsToMonthEnd() {
        #expect(IntervalSpan(months: 1).subtracted(from: iso("2026-03-31T12:00:00Z")) == iso("2026-02-28T12:00:00Z"))
        #expect(IntervalSpan(months: 1).subtracted(from: iso("2024-03-31T12:00:00Z")) == iso("2024-02-29T12:00:00Z"))
        #expect(IntervalSpan(months: 12).subtracted(from: iso("2025-02-28T00:00:00Z")) == iso("2024-02-28T00:00:00Z"))
    }

    @Test("months, then days, then the time part")
    func order() {
        // 2026-03-31 - 1 month = 2026-02-28; - 1 day = 2026-02-27; - 2 h = 2026-02-26T23:00.
        let span = IntervalSpan(months: 1, days: 1, microseconds: 2 * 3_600_000_000)
        #expect(span.subtracted(from: iso("2026-03-31T01:00:00Z")) == iso("2026-02-26T23:00:00Z"))
        #expect(IntervalSpan(days: 30).subtracted(from: iso("2026-03-01T00:00:00Z")) == iso("2026-01-30T00:00:00Z"))
    }

    @Test("negative parts go forward, fractions of a second are kept")
    func signsAndFractions() {
        #expect(IntervalSpan(months: -1).subtracted(from: iso("2026-01-31T00:00:00Z")) == iso("2026-02-28T00:00:00Z"))
        let instant = iso("2026-11-26T10:00:00Z").addingTimeInterval(0.25)
        #expect(IntervalSpan(microseconds: 250_000).subtracted(from: instant) == iso("2026-11-26T10:00:00Z"))
    }
}

@Suite("PartmanReview: premake and retention of a pg_partman set")
struct PartmanReviewTests {
    let now = iso("2026-11-26T10:00:00Z")

    @Test("fewer partitions after now than premake is a shortfall")
    func premake() {
        let table = snapshot(months(from: (2026, 11), through: (2027, 1)))
        let review = PartmanReview.review(table, premake: 4, retention: nil, now: now)
        #expect(review.findings == [.premakeShortfall(ahead: 2, premake: 4)])
        #expect(review.cutoff == nil)
        #expect(PartmanReview.review(table, premake: 2, retention: nil, now: now).findings.isEmpty)
    }

    @Test("a partition is due when it ends at or before now - retention, never later")
    func retention() {
        let table = snapshot(months(from: (2026, 4), through: (2027, 3)))
        // now - 6 months = 2026-05-26T10:00Z: April ends before it; May holds it.
        let review = PartmanReview.review(table, premake: 4, retention: IntervalSpan(months: 6), now: now)
        #expect(review.cutoff == iso("2026-05-26T10:00:00Z"))
        #expect(review.findings == [.retentionDue(month(2026, 4).name, month(2026, 4).range)])

        // A cutoff exactly on April's end retires April; a second earlier, it does not.
        let april = Finding.retentionDue(month(2026, 4).name, month(2026, 4).range)
        let exact = PartmanReview.review(
            table, premake: 4, retention: IntervalSpan(days: 1), now: iso("2026-05-02T00:00:00Z"))
        #expect(exact.cutoff == iso("2026-05-01T00:00:00Z"))
        #expect(exact.findings.contains(april))
        let early = PartmanReview.review(
            table, premake: 4, retention: IntervalSpan(days: 1), now: iso("2026-05-01T23:59:59Z"))
        #expect(!early.findings.contains(april))
    }

    @Test("a MAXVALUE partition is never due")
    func maxValue() {
        let open = existing("webhook_events_rest", .value(instant(2020, 1, 1)), .maxValue)
        let review = PartmanReview.review(snapshot([open]), premake: 0, retention: IntervalSpan(months: 1), now: now)
        #expect(review.findings.isEmpty)
    }
}
