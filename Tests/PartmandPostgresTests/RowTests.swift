import Testing

@testable import PartmandPostgres

@Suite("typed row access")
struct RowTests {
    private func sampleRow() throws -> (QueryResult, Row) {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let result = try connection.query(
            """
            SELECT 'x'::text AS s, 42 AS i, 9223372036854775807::int8 AS big, 1.5::float8 AS d,
                   'Infinity'::float8 AS inf, '-Infinity'::float8 AS ninf, 'NaN'::float8 AS nan,
                   true AS t, false AS f, NULL::text AS n, 'abc' AS bad, 1 AS dup, 2 AS dup
            """,
            purpose: "sample row"
        )
        return (result, result.rows[0])
    }

    @Test func columnsAndCounts() throws {
        let (result, row) = try sampleRow()
        #expect(result.columns == ["s", "i", "big", "d", "inf", "ninf", "nan", "t", "f", "n", "bad", "dup", "dup"])
        #expect(result.rows.count == 1)
        #expect(result.affectedRows == 1)
        #expect(row[0] == "x")
        #expect(row[9] == nil)
        #expect(row["dup"] == "1", "with duplicate names the first column wins")
    }

    @Test func typedValues() throws {
        let (_, row) = try sampleRow()
        #expect(try row.string("s") == "x")
        #expect(try row.int("i") == 42)
        #expect(try row.int64("big") == Int64.max)
        #expect(try row.double("d") == 1.5)
        #expect(try row.double("inf") == .infinity)
        #expect(try row.double("ninf") == -.infinity)
        #expect(try row.double("nan").isNaN)
        #expect(try row.bool("t"))
        #expect(try !row.bool("f"))
        #expect(try row.optionalInt("i") == 42)
        #expect(try row.optionalInt64("i") == 42)
        #expect(try row.optionalDouble("d") == 1.5)
        #expect(try row.optionalBool("t") == true)
        #expect(row.optionalString("s") == "x")
    }

    @Test func nulls() throws {
        let (_, row) = try sampleRow()
        #expect(row["n"] == nil)
        #expect(row.optionalString("n") == nil)
        #expect(try row.optionalInt("n") == nil)
        #expect(try row.optionalInt64("n") == nil)
        #expect(try row.optionalDouble("n") == nil)
        #expect(try row.optionalBool("n") == nil)
        for read in [
            { _ = try row.string("n") }, { _ = try row.int("n") }, { _ = try row.int64("n") },
            { _ = try row.double("n") }, { _ = try row.bool("n") },
        ] as [() throws -> Void] {
            let error = try #require(throws: PostgresError.self, performing: read)
            #expect(error.kind == .decoding)
            #expect(error.message == "column \"n\" is NULL, expected " + error.message.split(separator: " ").last!)
        }
    }

    @Test func badText() throws {
        let (_, row) = try sampleRow()
        for read in [
            { _ = try row.int("bad") }, { _ = try row.optionalInt64("bad") }, { _ = try row.optionalDouble("bad") },
            { _ = try row.optionalBool("bad") }, { _ = try row.int("d") }, { _ = try row.bool("i") },
        ] as [() throws -> Void] {
            let error = try #require(throws: PostgresError.self, performing: read)
            #expect(error.kind == .decoding)
            #expect(error.message.contains("cannot read"))
        }
    }

    @Test func rowsOfNoColumn() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let result = try connection.query("SELECT FROM generate_series(1, 3)", purpose: "rows of no column")
        #expect(result.columns.isEmpty && result.rows.count == 3)
    }

    @Test func valuesOfManyRows() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let result = try connection.query(
            "SELECT n, repeat('é', n) AS s, CASE WHEN n % 2 = 0 THEN n END AS even, '' AS empty"
                + " FROM generate_series(0, 99) n ORDER BY n",
            purpose: "many rows")
        #expect(result.rows.count == 100)
        for (n, row) in result.rows.enumerated() {
            #expect(try row.int("n") == n)
            #expect(try row.string("s") == String(repeating: "é", count: n))
            #expect(try row.optionalInt("even") == (n % 2 == 0 ? n : nil))
            #expect(try row.string("empty") == "")
        }
    }

    @Test func affectedRows() throws {
        try TestDatabase.withSchema { connection, schema in
            let table = SQL.qualified(schema, "t")
            #expect(try connection.query("CREATE TABLE \(table) (id int)", purpose: "create").affectedRows == nil)
            let insert = try connection.query("INSERT INTO \(table) SELECT generate_series(1, 3)", purpose: "insert")
            #expect(insert.affectedRows == 3)
            #expect(insert.rows.isEmpty && insert.columns.isEmpty)
            #expect(try connection.query("DELETE FROM \(table) WHERE id > 1", purpose: "delete").affectedRows == 2)
            #expect(try connection.query(";", purpose: "empty").affectedRows == nil)
        }
    }

    @Test func unknownColumnIsAProgrammingError() async {
        await #expect(processExitsWith: .failure) {
            let connection = try TestDatabase.connect()
            _ = try connection.query("SELECT 1 AS a", purpose: "one column").rows[0]["b"]
        }
    }
}
