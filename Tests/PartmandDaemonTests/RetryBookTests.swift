import Foundation
import PartmandCore
import Testing

@testable import PartmandDaemon

@Suite("RetryBook")
struct RetryBookTests {
    let orders = QualifiedName(schema: "public", name: "orders")
    let events = QualifiedName(schema: "public", name: "events")
    let audit = QualifiedName(schema: "app", name: "audit")
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a failed table is due retry_after later, then twice as long after each further failure")
    func doubling() {
        var book = RetryBook(retryAfter: .seconds(600))
        #expect(book.earliest == nil)
        var now = t0
        for (attempt, delay) in [600.0, 1200, 2400, 4800].enumerated() {
            book.record(failed: [orders], succeeded: [], at: now)
            #expect(book.entries[orders] == RetryBook.Entry(attempts: attempt + 1, due: now + delay))
            #expect(book.earliest == now + delay)
            now += delay
        }
    }

    @Test("the pause is capped at six hours, however many failures")
    func cap() {
        var book = RetryBook(retryAfter: .seconds(600))
        for _ in 0..<6 { book.record(failed: [orders], succeeded: [], at: t0) }
        // 600 s × 2^5 = 5 h 20 min: still below the cap.
        #expect(book.entries[orders]?.due == t0 + 19_200)
        book.record(failed: [orders], succeeded: [], at: t0)
        #expect(book.entries[orders]?.due == t0 + RetryBook.maxDelay)
        for _ in 0..<100 { book.record(failed: [orders], succeeded: [], at: t0) }
        #expect(book.entries[orders] == RetryBook.Entry(attempts: 107, due: t0 + 6 * 3600))
    }

    @Test("a sub-second or fractional retry_after is kept, not truncated to whole seconds")
    func fractionalRetryAfter() {
        var book = RetryBook(retryAfter: .milliseconds(500))
        book.record(failed: [orders], succeeded: [], at: t0)
        #expect(book.entries[orders]?.due == t0 + 0.5)
        #expect(book.due(at: t0).isEmpty)
        book.record(failed: [orders], succeeded: [], at: t0)
        #expect(book.entries[orders]?.due == t0 + 1)

        var slow = RetryBook(retryAfter: .milliseconds(1500))
        slow.record(failed: [orders], succeeded: [], at: t0)
        #expect(slow.entries[orders]?.due == t0 + 1.5)
    }

    @Test("success forgets a table's retry and resets its backoff")
    func successClears() {
        var book = RetryBook(retryAfter: .seconds(60))
        book.record(failed: [orders, events], succeeded: [], at: t0)
        book.record(failed: [orders], succeeded: [events], at: t0)
        #expect(book.entries[events] == nil)
        #expect(book.entries[orders]?.attempts == 2)
        book.record(failed: [], succeeded: [orders], at: t0)
        #expect(book.entries.isEmpty)
        #expect(book.earliest == nil)
        book.record(failed: [orders], succeeded: [], at: t0)
        #expect(book.entries[orders] == RetryBook.Entry(attempts: 1, due: t0 + 60))
    }

    @Test("clear() forgets every retry")
    func clear() {
        var book = RetryBook(retryAfter: .seconds(60))
        book.record(failed: [orders, events, audit], succeeded: [], at: t0)
        book.clear()
        #expect(book.entries.isEmpty)
        #expect(book.earliest == nil)
        #expect(book.due(at: .distantFuture).isEmpty)
    }

    @Test("due(at:) lists exactly the tables whose time has come, sorted; earliest is the first due time")
    func dueOrdering() {
        var book = RetryBook(retryAfter: .seconds(60))
        book.record(failed: [orders], succeeded: [], at: t0)  // due t0+60
        book.record(failed: [events, audit], succeeded: [], at: t0 + 30)  // due t0+90
        book.record(failed: [orders], succeeded: [], at: t0)  // second failure: due t0+120
        #expect(book.earliest == t0 + 90)
        #expect(book.due(at: t0 + 89).isEmpty)
        #expect(book.due(at: t0 + 90) == [audit, events])
        #expect(book.due(at: t0 + 119) == [audit, events])
        #expect(book.due(at: t0 + 120) == [audit, events, orders])
    }

    @Test("keep(only:) and restore carry retries over a reload")
    func reload() {
        var book = RetryBook(retryAfter: .seconds(60))
        book.record(failed: [orders, events], succeeded: [], at: t0)
        book.keep(only: [orders])
        #expect(Array(book.entries.keys) == [orders])

        var fresh = RetryBook(retryAfter: .seconds(120))
        for (table, entry) in book.entries { fresh.restore(table, entry) }
        #expect(fresh.entries[orders] == RetryBook.Entry(attempts: 1, due: t0 + 60))
        fresh.record(failed: [orders], succeeded: [], at: t0)
        #expect(fresh.entries[orders] == RetryBook.Entry(attempts: 2, due: t0 + 240))
    }
}
