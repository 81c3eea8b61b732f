import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

@Suite("Table names in output")
struct IdentifierOutputTests {
    @Test("text output quotes names that need it, as quote_ident would; JSON keeps them raw")
    func quoting() throws {
        let schema = try TestSchema("We\"ird")
        defer { schema.drop() }
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let table = "Events; DROP TABLE x"
        try schema.run(
            "CREATE TABLE \(schema.qualified(table)) (received_at timestamptz NOT NULL) PARTITION BY RANGE (received_at)"
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let conninfo = String(decoding: try encoder.encode(try TestServer.conninfo()), as: UTF8.self)
        let yamlName = "'\"\(schema.name.replacing("\"", with: "\"\""))\".\"\(table)\"'"
        let path = try scratch.write(
            "partmand.yaml",
            "database:\n  conninfo: \(conninfo)\ntables:\n  - table: \(yamlName)\n    column: received_at\n"
                + "    interval: monthly\n    premake: 1\n")
        let quoted = "\"\(schema.name.replacing("\"", with: "\"\""))\".\"\(table)\""
        let expected = try #require(
            try schema.run("SELECT quote_ident($1) || '.' || quote_ident($2) AS q", [.text(schema.name), .text(table)])
                .rows.first?["q"])
        #expect(quoted == expected)

        let plan = try runPartmand(["plan", "--config", path, "--now", "2026-11-26T10:00:00Z"])
        #expect(plan.status == 0, "\(plan)")
        let lines = plan.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(quoted): 3 action(s)", "\(plan)")
        #expect(
            lines.contains { $0.hasPrefix("  would create \(quoted.dropLast())_p20261101\" for ") }, "\(plan)")

        let json = try runPartmand(["plan", "--config", path, "--now", "2026-11-26T10:00:00Z", "--json"])
        #expect(json.status == 0, "\(json)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        let tables = try #require(object["tables"] as? [[String: Any]])
        #expect(tables.first?["table"] as? String == "\(schema.name).\(table)")
        let actions = try #require(tables.first?["actions"] as? [[String: Any]])
        #expect(actions.first?["partition"] as? String == "\(schema.name).\(table)_p20261101", "\(actions)")
    }
}
