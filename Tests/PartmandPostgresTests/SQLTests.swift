import PartmandPostgres
import Testing

@Suite("SQL identifier quoting")
struct SQLTests {
    @Test(
        "quotes like quote_ident, always",
        arguments: [
            ("orders", "\"orders\""),
            ("Orders", "\"Orders\""),
            ("with space", "\"with space\""),
            ("a\"b", "\"a\"\"b\""),
            ("\"", "\"\"\"\""),
            ("drop\"; DROP TABLE x; --", "\"drop\"\"; DROP TABLE x; --\""),
            ("événement_日本", "\"événement_日本\""),
            ("", "\"\""),
            // A quote and a combining accent are one Character: the quote must be doubled all the same.
            ("a\"\u{301}b", "\"a\"\"\u{301}b\""),
        ]
    )
    func quotes(name: String, expected: String) {
        #expect(SQL.identifier(name) == expected)
    }

    @Test func qualifies() {
        #expect(SQL.qualified("public", "webhook_events") == "\"public\".\"webhook_events\"")
        #expect(SQL.qualified("My \"Schema\"", "t") == "\"My \"\"Schema\"\"\".\"t\"")
    }

    @Test(
        "names round-trip through the server",
        arguments: [
            "plain",
            "UpperCase",
            "with space",
            "quote\"inside",
            "quote\"\u{301}accent",
            "semi;colon'apostrophe",
            "ünïcödé_日本語",
            "🎉",
            String(repeating: "x", count: 55),  // + 8-character suffix = 63 bytes
            String(repeating: "é", count: 27) + "a",  // 55 bytes; with suffix 63
        ]
    )
    func roundTrip(base: String) throws {
        let name = base + "_" + TestDatabase.uniqueName("").suffix(7)
        try TestDatabase.withSchema { connection, schema in
            try connection.execute("CREATE TABLE \(SQL.qualified(schema, name)) (id int)", purpose: "create table")
            let result = try connection.query(
                """
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = $1 AND c.relname = $2
                """,
                [.text(schema), .text(name)],
                purpose: "find table"
            )
            #expect(result.rows.count == 1)
            #expect(result.rows.first?["relname"] == name)
        }
    }

    @Test func sixtyThreeByteNamesAreKeptWhole() throws {
        let name = String(repeating: "é", count: 27) + "_" + TestDatabase.uniqueName("").suffix(8)
        #expect(name.utf8.count == 63)
        try TestDatabase.withSchema { connection, schema in
            let result = try connection.query(
                "CREATE TABLE \(SQL.qualified(schema, name)) (id int)",
                purpose: "create table with a 63-byte name"
            )
            #expect(result.notices.isEmpty, "PostgreSQL truncates names over 63 bytes with a notice")
            let found = try connection.query(
                "SELECT to_regclass($1) IS NOT NULL AS found",
                [.text(SQL.qualified(schema, name))],
                purpose: "look up table"
            )
            #expect(try found.rows[0].bool("found"))
        }
    }
}
