import Foundation
import PartmandCore
import PartmandPostgres
import PartmandTestSupport
import Testing

@testable import PartmandEngine

/// Bounds are read on this side from what `pg_get_expr` prints; they must mean exactly what the server
/// means, and anything unusual must go to the server rather than be guessed.
@Suite struct PartitionBoundTextTests {
    @Test func readsTheShapesAUTCSessionPrints() {
        func at(_ seconds: Double) -> PartitionBoundText.Side { .bound(.value(Date(timeIntervalSince1970: seconds))) }
        #expect(
            PartitionBoundText.parse("FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00')")
                == .range(lower: at(1_796_083_200), upper: at(1_798_761_600)))
        #expect(
            PartitionBoundText.parse("FOR VALUES FROM ('1969-12-31 23:59:59.25') TO ('1970-01-01')")
                == .range(lower: at(-0.75), upper: at(0)))
        #expect(
            PartitionBoundText.parse("FOR VALUES FROM (MINVALUE) TO (MAXVALUE)")
                == .range(
                    lower: .bound(.minValue), upper: .bound(.maxValue)))
        #expect(PartitionBoundText.parse("DEFAULT") == .default)
    }

    @Test(
        "what it does not read goes to the server, unquoted",
        arguments: [
            "infinity", "2026-12-01 00:00:00 BC", "12026-12-01 00:00:00+00", "2026-12-01 00:00:00+05:30", "it''s",
        ])
    func leavesTheRestToTheServer(literal: String) {
        #expect(
            PartitionBoundText.parse("FOR VALUES FROM ('\(literal)') TO (MAXVALUE)")
                == .range(lower: .literal(literal.replacingOccurrences(of: "''", with: "'")), upper: .bound(.maxValue)))
    }

    @Test(arguments: ["FOR VALUES IN (1, 2)", "FOR VALUES WITH (modulus 4, remainder 0)", "FOR VALUES FROM (1) TO (2)"])
    func refusesOtherBounds(expression: String) {
        #expect(PartitionBoundText.parse(expression) == nil)
    }

    /// The server's own reading of the same bounds, for every key type and many instants (fractions,
    /// leap days, before 1970, far years, infinity), against this side's.
    @Test func agreesWithTheServer() throws {
        let connection = try TestServer.connect()
        defer { connection.close() }
        var generator = SplitMix64(seed: 20_261_202)
        var literals = ["infinity", "-infinity", "2024-02-29 12:00:00+00", "0001-01-01 00:00:00+00 BC"]
        for _ in 0..<300 {
            let seconds = Int64(generator.next() % 8_000_000_000) - 3_000_000_000
            let micros = generator.next() % 4 == 0 ? Int64(generator.next() % 1_000_000) : 0
            literals.append("\(seconds).\(String(format: "%06lld", micros))")
        }
        for type in ["timestamptz", "timestamp", "date"] {
            let printed = try connection.query(
                """
                SELECT 'FOR VALUES FROM (' || quote_literal(v::text) || ') TO (MAXVALUE)' AS expression,
                       extract(epoch FROM v::timestamptz)::text AS epoch
                FROM (SELECT CASE WHEN s ~ '^-?[0-9.]+$' THEN to_timestamp(s::float8)::\(type)
                                  ELSE s::\(type) END AS v
                      FROM unnest($1::text[]) AS s) AS values
                """, [.text("{" + literals.map { "\"\($0)\"" }.joined(separator: ",") + "}")],
                purpose: "print bounds")
            #expect(printed.rows.count == literals.count)
            for row in printed.rows {
                let expression = try row.string("expression")
                guard case .range(let lower, _)? = PartitionBoundText.parse(expression) else {
                    Issue.record("not read: \(expression)")
                    continue
                }
                guard case .bound(.value(let date)) = lower else { continue }  // left to the server
                #expect(
                    abs(date.timeIntervalSince1970 - (try row.double("epoch"))) < 0.000_001,
                    "\(type): \(expression)")
            }
        }
    }
}
