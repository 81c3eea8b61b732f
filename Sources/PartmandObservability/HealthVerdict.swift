import Foundation
import PartmandCore
import PartmandTime

/// What `GET /healthz` answers: 200 while the scheduler is alive and every table's last attempt
/// succeeded, 503 otherwise, with a short JSON body naming the failing tables and why. Pure.
public struct HealthVerdict: Sendable, Equatable, Codable {
    /// One failing table.
    public struct FailingTable: Sendable, Equatable, Codable {
        public var table: String
        public var sqlstate: String?
        public var message: String
        /// When its last attempt ended (ISO 8601, UTC).
        public var since: String
    }

    /// The scheduler's liveness.
    public struct Scheduler: Sendable, Equatable, Codable {
        public var alive: Bool
        /// Seconds since the scheduler's last heartbeat.
        public var heartbeatAgeSeconds: Double

        enum CodingKeys: String, CodingKey {
            case alive
            case heartbeatAgeSeconds = "heartbeat_age_seconds"
        }
    }

    /// `ok` or `failing`.
    public var status: String
    public var scheduler: Scheduler
    public var failing: [FailingTable]

    /// A heartbeat older than this means the scheduler is stalled.
    public static let defaultStallAfter: Duration = .seconds(10)

    /// Judges `state` with the scheduler's last heartbeat `heartbeatAge` ago.
    public init(_ state: ObservedState, heartbeatAge: Duration, stallAfter: Duration = defaultStallAfter) {
        let alive = heartbeatAge <= stallAfter
        scheduler = Scheduler(alive: alive, heartbeatAgeSeconds: (heartbeatAge.timeInterval * 1000).rounded() / 1000)
        failing = state.failingTables.map { table, failure in
            FailingTable(
                table: "\(table)", sqlstate: failure.sqlstate, message: failure.message,
                since: Self.since(state.tables[table]?.lastAttempt ?? state.startedAt))
        }
        status = alive && failing.isEmpty ? "ok" : "failing"
    }

    /// `2027-01-15T08:00:00Z`, as `ISO8601DateFormatter` wrote it (rounded to the millisecond, then the
    /// fraction dropped), without the formatter: it would keep ICU's locale data resident in the daemon.
    static func since(_ date: Date) -> String {
        ISO8601.string(Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000 + 0.5).rounded(.down) / 1000))
    }

    /// 200 or 503.
    public var httpStatus: Int { status == "ok" ? 200 : 503 }

    /// The body: one line of JSON, keys sorted.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data(#"{"status":"failing"}"#.utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
