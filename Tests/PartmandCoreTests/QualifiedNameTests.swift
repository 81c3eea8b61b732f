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
        ])
    func invalid(text: String, reason: String) {
        let error = #expect(throws: NameError.self) { try QualifiedName(parsing: text) }
        #expect(error?.text == text)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("invalid table name '\(text)': ") == true)
    }

    @Test("description and ordering")
    func descriptionAndOrder() {
        let a = QualifiedName(schema: "app", name: "zeta")
        let b = QualifiedName(schema: "public", name: "alpha")
        let c = QualifiedName(schema: "public", name: "beta")
        #expect(b.description == "public.alpha")
        #expect([c, b, a].sorted() == [a, b, c])
    }
}
