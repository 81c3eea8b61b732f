import Foundation
import PartmandPostgres
import Testing

@Suite("parameter values")
struct PostgresValueTests {
    @Test func convenienceConversions() {
        let literal: PostgresValue = "abc"
        #expect(literal == .text("abc"))
        #expect(PostgresValue(42) == .text("42"))
        #expect(PostgresValue(Int64.min) == .text("-9223372036854775808"))
        #expect(PostgresValue(1.5) == .text("1.5"))
        #expect(PostgresValue(Double.infinity) == .text("Infinity"))
        #expect(PostgresValue(-Double.infinity) == .text("-Infinity"))
        #expect(PostgresValue(Double.nan) == .text("NaN"))
        #expect(PostgresValue(true) == .text("true"))
        #expect(PostgresValue(false) == .text("false"))
    }

    @Test(
        "dates are UTC timestamps with microseconds",
        arguments: [
            (1_793_491_200, "2026-11-01 00:00:00+00"),
            (1_793_491_200.25, "2026-11-01 00:00:00.25+00"),
            (1_793_491_200.000_001, "2026-11-01 00:00:00.000001+00"),
            (0, "1970-01-01 00:00:00+00"),
            (-0.5, "1969-12-31 23:59:59.5+00"),
            (1_709_210_096, "2024-02-29 12:34:56+00"),
            (-62_135_596_800, "0001-01-01 00:00:00+00"),
            (253_402_300_799, "9999-12-31 23:59:59+00"),
        ] as [(TimeInterval, String)]
    )
    func dates(secondsSince1970: TimeInterval, expected: String) {
        #expect(PostgresValue(Date(timeIntervalSince1970: secondsSince1970)) == .text(expected))
    }

    @Test("dates: the same text as printf-style formatting (Gregorian years 1583 to 9999)")
    func datesLikePrintf() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let micros = Int64.random(in: -12_212_553_600_000_000...253_402_300_799_999_999, using: &generator)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            #expect(PostgresValue(date) == .text(Self.printfTimestamp(date)), "\(micros)")
        }
    }

    /// What PostgresValue(Date) wrote with String(format:).
    static func printfTimestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let fraction = (micros % 1_000_000 + 1_000_000) % 1_000_000
        let seconds = (micros - fraction) / 1_000_000
        let secondOfDay = (seconds % 86_400 + 86_400) % 86_400
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(seconds)))
        var text = String(
            format: "%04ld-%02ld-%02ld %02lld:%02lld:%02lld", day.year!, day.month!, day.day!, secondOfDay / 3600,
            secondOfDay / 60 % 60, secondOfDay % 60)
        if fraction > 0 {
            var digits = String(format: "%06lld", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "+00"
    }

    @Test func textArraysReachTheServerAsWritten() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let values = ["plain", "", "NULL", "with \"quotes\"", "back\\slash", "comma, {braces}", " spaced ", "ünï"]
        let result = try connection.query(
            "SELECT s.v, s.i::int AS i FROM unnest($1::text[]) WITH ORDINALITY AS s(v, i) ORDER BY 2",
            [.textArray(values)], purpose: "unnest")
        #expect(try result.rows.map { try $0.string("v") } == values)
        let empty = try connection.query(
            "SELECT cardinality($1::text[]) AS n", [.textArray([])], purpose: "empty array")
        #expect(try empty.rows[0].int("n") == 0)
    }

    @Test func typedValuesReachTheServerIntact() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let date = Date(timeIntervalSince1970: 1_793_491_200.123_456)
        let row = try connection.query(
            """
            SELECT $1::int + 1 AS int, $2::int8 AS big, $3::float8 * 2 AS double, $4::float8 AS inf,
                   $5::bool AS yes, $6::bool AS no, $7::timestamptz::text AS time,
                   $7::timestamptz = '2026-11-01 00:00:00.123456+00' AS same_time
            """,
            [
                PostgresValue(41), PostgresValue(Int64.max), PostgresValue(1.25), PostgresValue(-Double.infinity),
                PostgresValue(true), PostgresValue(false), PostgresValue(date),
            ],
            purpose: "round-trip typed values"
        ).rows[0]
        #expect(try row.int("int") == 42)
        #expect(try row.int64("big") == Int64.max)
        #expect(try row.double("double") == 2.5)
        #expect(try row.double("inf") == -Double.infinity)
        #expect(try row.bool("yes"))
        #expect(try !row.bool("no"))
        #expect(try row.string("time") == "2026-11-01 00:00:00.123456+00")
        #expect(try row.bool("same_time"))
    }
}

@Suite("parameters")
struct ParameterTests {
    @Test(
        "text round-trips as $1 and is never interpolated",
        arguments: [
            "O'Reilly",
            "double \"quotes\"",
            "x'; DROP TABLE pg_class; --",
            "semi;colon",
            "back\\slash\\",
            "\\x00",
            "$1 $2",
            "E'\\n'",
            "line\nbreak\ttab",
            "日本語 ✓ 🎉 ünïcödé",
            "",
            "  padded  ",
        ]
    )
    func roundTrip(value: String) throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let row = try connection.query(
            "SELECT $1::text AS value, length($1::text) AS length, $1::text = $2 AS same",
            [.text(value), .text(value)],
            purpose: "round-trip a parameter"
        ).rows[0]
        #expect(row["value"] == value)
        #expect(try row.int("length") == value.unicodeScalars.count)
        #expect(try row.bool("same"))
    }

    @Test func nullParameter() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let row = try connection.query(
            "SELECT $1::text IS NULL AS is_null, $2::text AS other",
            [nil, "x"],
            purpose: "null parameter"
        ).rows[0]
        #expect(try row.bool("is_null"))
        #expect(row["other"] == "x")
    }

    @Test func parametersAreNotSQL() throws {
        try TestDatabase.withSchema { connection, schema in
            let table = SQL.qualified(schema, "t")
            try connection.execute("CREATE TABLE \(table) (v text)", purpose: "create table")
            let inserted = try connection.query(
                "INSERT INTO \(table) (v) VALUES ($1), ($2)",
                [.text("a'); DROP TABLE \(table); --"), "b"],
                purpose: "insert"
            )
            #expect(inserted.affectedRows == 2)
            let count = try connection.query("SELECT count(*) AS n FROM \(table)", purpose: "count")
            #expect(try count.rows[0].int("n") == 2)
        }
    }

    @Test func nulByteIsRefusedNotTruncated() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let error = try #require(throws: PostgresError.self) {
            try connection.query("SELECT $1::text", ["ok", .text("a\u{0}b")], purpose: "nul byte")
        }
        #expect(error.sqlState == "22021")
        #expect(error.message.contains("$2"))
        #expect(connection.isOpen)
    }
}
