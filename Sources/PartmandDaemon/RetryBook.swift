import Foundation
import PartmandCore
import PartmandTime

/// Which failed tables are retried on their own, and when: first `retryAfter` after the failure,
/// then doubling, until they succeed or a scheduled pass (which covers every table) comes first.
struct RetryBook: Sendable {
    struct Entry: Sendable, Equatable {
        var attempts: Int
        var due: Date
    }

    private(set) var entries: [QualifiedName: Entry] = [:]
    let retryAfter: Duration
    /// The longest pause between retries.
    static let maxDelay: TimeInterval = 6 * 3600

    init(retryAfter: Duration) {
        self.retryAfter = retryAfter
    }

    /// Notes the outcome of a pass over `tables` that ended at `now`.
    mutating func record(failed: Set<QualifiedName>, succeeded: Set<QualifiedName>, at now: Date) {
        for table in succeeded { entries[table] = nil }
        for table in failed {
            let attempts = (entries[table]?.attempts ?? 0) + 1
            let base = retryAfter.timeInterval * pow(2, Double(min(attempts - 1, 20)))
            entries[table] = Entry(attempts: attempts, due: now.addingTimeInterval(min(base, Self.maxDelay)))
        }
    }

    /// The tables whose retry is due at `now`.
    func due(at now: Date) -> [QualifiedName] {
        entries.filter { $0.value.due <= now }.map(\.key).sorted()
    }

    /// The earliest retry instant, if any.
    var earliest: Date? { entries.values.map(\.due).min() }

    /// Forgets every retry (a scheduled pass covers all tables).
    mutating func clear() { entries = [:] }

    /// Forgets tables no longer configured.
    mutating func keep(only tables: Set<QualifiedName>) {
        entries = entries.filter { tables.contains($0.key) }
    }
}

extension RetryBook {
    /// Carries a retry over into a new book (after a reload).
    mutating func restore(_ table: QualifiedName, _ entry: Entry) {
        entries[table] = entry
    }
}
