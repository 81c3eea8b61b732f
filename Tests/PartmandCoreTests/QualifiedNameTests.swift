import Testing

@testable import PartmandCore

@Suite("QualifiedName parsing")
struct QualifiedNameTests {
    @Test(
        "valid names",
        arguments: [
            ("webhook_events", "public", "webhook_events"),
            ("app.events", "app", "events"),
            ("  app.events\n", "app", "events"),
            ("Public.Webhook_Events", "public", "webhook_events"),
            ("EVENTS", "public", "events"),
            ("app.events$2026", "app", "events$2026"),
            ("\"My Schema\".\"Events\"", "My Schema", "Events"),
            ("\"Events\"", "public", "Events"),
            ("\"a.b\".\"c d\"", "a.b", "c d"),
            ("\"say \"\"hi\"\"\".t", "say \"hi\"", "t"),
            ("\"\"\"\"", "public", "\""),
            ("App.\"Mixed Case\"", "app", "Mixed Case"),
            ("\"App\".events", "App", "events"),
            ("événements", "public", "événements"),
            // PostgreSQL folds only ASCII letters of unquoted names in a UTF-8 database.
            ("ÉVÉNEMENTS", "public", "ÉvÉnements"),
            ("App.Événements_2026", "app", "Événements_2026"),
            // The plain spelling, read without the general parser.
            ("A.B", "a", "b"),
            ("T1", "public", "t1"),
            ("_x$.Y9", "_x$", "y9"),
            ("2026.01", "2026", "01"),
            (
                String(repeating: "S", count: 63) + "." + String(repeating: "T", count: 63),
                String(repeating: "s", count: 63), String(repeating: "t", count: 63)
            ),
        ])
    func valid(text: String, schema: String, name: String) throws {
        let parsed = try QualifiedName(parsing: text)
        #expect(parsed == QualifiedName(schema: schema, name: name))
    }

    @Test("a bare table takes the given default schema")
    func defaultSchema() throws {
        #expect(
            try QualifiedName(parsing: "events", defaultSchema: "app") == QualifiedName(schema: "app", name: "events"))
        #expect(
            try QualifiedName(parsing: "x.events", defaultSchema: "app") == QualifiedName(schema: "x", name: "events"))
        let error = #expect(throws: NameError.self) {
            try QualifiedName(parsing: "events", defaultSchema: String(repeating: "s", count: 64))
        }
        #expect(error?.reason.contains("schema name is longer") == true)
    }

    @Test(
        "invalid names",
        arguments: [
            ("", "empty name part"),
            ("   ", "empty name part"),
            (".events", "empty name part"),
            ("app.", "empty name part"),
            ("app..events", "empty name part"),
            ("\"\"", "empty name part"),
            ("app.\"\"", "empty name part"),
            ("\"unterminated", "unterminated double quote"),
            ("app.\"events", "unterminated double quote"),
            ("\"a\"\"", "unterminated double quote"),
            ("a.b.c", "expected 'table' or 'schema.table'"),
            ("\"a\".\"b\".\"c\"", "expected 'table' or 'schema.table'"),
            ("my events", "needs double quotes"),
            ("app.events-2026", "needs double quotes"),
            ("app .events", "needs double quotes"),
            ("app.events.", "empty name part"),
            ("a.b-c", "needs double quotes"),
        ])
    func invalid(text: String, reason: String) {
        let error = #expect(throws: NameError.self) { try QualifiedName(parsing: text) }
        #expect(error?.text == text)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid table name '\(text)': ") == true)
    }

    @Test(
        "a part longer than PostgreSQL's 63-byte limit is refused",
        arguments: [
            (String(repeating: "a", count: 64), "table name is longer than PostgreSQL's 63-byte limit (64 bytes)"),
            ("app." + String(repeating: "a", count: 64), "table name is longer"),
            (String(repeating: "s", count: 64) + ".events", "schema name is longer than PostgreSQL's 63-byte limit"),
            ("\"" + String(repeating: "A", count: 70) + "\"", "table name is longer"),
            // 32 two-byte letters: 32 characters but 64 bytes.
            (String(repeating: "é", count: 32), "(64 bytes)"),
        ])
    func tooLong(text: String, reason: String) {
        let error = #expect(throws: NameError.self) { try QualifiedName(parsing: text) }
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("a part of exactly 63 bytes is accepted")
    func longest() throws {
        let name = String(repeating: "a", count: 63)
        #expect(try QualifiedName(parsing: "\(name).\(name)") == QualifiedName(schema: name, name: name))
    }

    @Test(
        "description quotes a part only when PostgreSQL needs it",
        arguments: [
            (QualifiedName(schema: "public", name: "webhook_events"), "public.webhook_events"),
            (QualifiedName(schema: "_app2", name: "events$2026"), "_app2.events$2026"),
            (QualifiedName(schema: "we\"ird", name: "Events; DROP TABLE x"), #""we""ird"."Events; DROP TABLE x""#),
            (QualifiedName(schema: "public", name: "Events"), #"public."Events""#),
            (QualifiedName(schema: "public", name: "2024_events"), #"public."2024_events""#),
            (QualifiedName(schema: "public", name: "événements"), #"public."événements""#),
            (QualifiedName(schema: "a.b", name: "c d"), #""a.b"."c d""#),
            (QualifiedName(schema: "public", name: "$events"), #"public."$events""#),
            // A quote and a combining accent make one Character; the quote is doubled all the same.
            (QualifiedName(schema: "public", name: "a\"\u{301}b"), "public.\"a\"\"\u{301}b\""),
            // Keywords PostgreSQL reserves somewhere are quoted; unreserved ones are not.
            (QualifiedName(schema: "public", name: "user"), #"public."user""#),
            (QualifiedName(schema: "select", name: "order"), #""select"."order""#),
            (QualifiedName(schema: "public", name: "int"), #"public."int""#),
            (QualifiedName(schema: "public", name: "events"), "public.events"),
            (QualifiedName(schema: "public", name: "name"), "public.name"),
        ])
    func description(name: QualifiedName, expected: String) throws {
        #expect(name.description == expected)
        // What description prints parses back to the same name.
        #expect(try QualifiedName(parsing: expected) == name)
    }

    @Test("unquoted is schema.name as stored, for machine-readable output")
    func unquoted() {
        #expect(
            QualifiedName(schema: "we\"ird", name: "Events; DROP TABLE x").unquoted == "we\"ird.Events; DROP TABLE x")
        #expect(QualifiedName(schema: "public", name: "user").unquoted == "public.user")
    }

    @Test("ordering")
    func order() {
        let a = QualifiedName(schema: "app", name: "zeta")
        let b = QualifiedName(schema: "public", name: "alpha")
        let c = QualifiedName(schema: "public", name: "beta")
        #expect([c, b, a].sorted() == [a, b, c])
    }
}
