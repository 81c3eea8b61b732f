import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// pg_partman's retention is an interval in PostgreSQL's syntax: the server reads it, and `IntervalSpan`
/// takes it off `now` the way the server's `timestamptz - interval` does.
@Suite struct PartmanRetentionTests {
    @Test("IntervalSpan agrees with the server's timestamptz - interval")
    func agreesWithServer() throws {
        let connection = try TestServer.connect()
        defer { connection.close() }
        let intervals = [
            "6 months", "1 mon", "30 days", "1 year 2 mons 3 days 04:05:06.789", "-1 month", "36 hours", "1.5 days",
            "P1M2DT3H", "1 week", "00:00:00.000001",
        ]
        let instants =
            [
                "2026-11-26T10:00:00Z", "2026-03-31T12:00:00Z", "2024-02-29T23:59:59Z", "2027-01-01T00:00:00Z",
            ].map(instant) + [instant("2026-05-31T08:15:00Z").addingTimeInterval(0.123456)]
        let spans = try PartmanDriver.intervals(Set(intervals), on: connection)
        #expect(spans.count == intervals.count)
        for text in intervals {
            let span = try #require(spans[text])
            for now in instants {
                let row = try connection.query(
                    "SELECT extract(epoch FROM $1::timestamptz - $2::interval)::text AS cutoff",
                    [PostgresValue(now), .text(text)], purpose: "server cutoff"
                ).rows[0]
                let server = Date(timeIntervalSince1970: try row.double("cutoff"))
                #expect(span.subtracted(from: now) == server, "\(ISO8601.string(now)) - '\(text)'")
            }
        }
    }
}
