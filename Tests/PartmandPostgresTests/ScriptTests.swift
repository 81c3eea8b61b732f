import PartmandPostgres
import Testing

/// `executeScript`: several statements in one request, as an operator's SQL file holds them.
@Suite("scripts")
struct ScriptTests {
    @Test func severalStatementsRunInOrder() throws {
        try TestDatabase.withSchema { connection, schema in
            let table = SQL.qualified(schema, "t")
            try connection.executeScript(
                "CREATE TABLE \(table) (id int); INSERT INTO \(table) VALUES (1), (2); CREATE INDEX ON \(table) (id);",
                purpose: "script")
            #expect(try connection.query("SELECT count(*) AS n FROM \(table)", purpose: "count").rows[0]["n"] == "2")
        }
    }

    @Test func theFirstErrorStopsTheScriptWithItsSQLState() throws {
        try TestDatabase.withSchema { connection, schema in
            let table = SQL.qualified(schema, "t")
            let error = #expect(throws: PostgresError.self) {
                try connection.executeScript(
                    "CREATE TABLE \(table) (id int); SELECT 1/0; CREATE TABLE \(SQL.qualified(schema, "u")) (id int);",
                    purpose: "failing script")
            }
            #expect(error?.sqlState == "22012")
            #expect(error?.purpose == "failing script")
            let exists = try connection.query(
                "SELECT to_regclass($1) IS NOT NULL AS e", [.text(SQL.qualified(schema, "u"))], purpose: "check")
            #expect(exists.rows[0]["e"] == "f")
        }
    }
}
