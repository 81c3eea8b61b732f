import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres
import PartmandTestSupport
import Testing

/// Names that break naive SQL building: quotes, semicolons, spaces, upper case, unicode, 63 bytes.
@Suite struct IdentifierTests {
    @Test(arguments: [
        #"Events; DROP TABLE x; --"#,
        #"We"ird 'Name'"#,
        "ÉvénementsDuMois🚀",
        String(repeating: "long_", count: 12) + "abc",
    ])
    func hostileTableNamesAreMaintained(_ table: String) throws {
        let fixture = try EngineFixture("hostile")
        try fixture.createParent(table, column: "Received At")
        let spec = fixture.spec(table, column: "Received At", premake: 2, retention: nil)

        let first = fixture.pass([spec], at: "2026-11-26T10:00:00Z")
        let second = fixture.pass([spec], at: "2026-11-26T10:00:00Z")

        #expect(first.succeeded, "\(first.tables.flatMap(\.errors))")
        #expect(first.createdCount == 4)
        #expect(second.succeeded && second.createdCount == 0)
        let names = try fixture.partitionNames(table)
        #expect(names.count == 4)
        #expect(names.allSatisfy { $0.utf8.count <= 63 })
        #expect(names.contains { $0.hasSuffix("_p20261101") })
        #expect(names.contains { $0.hasSuffix("_default") })
    }

    @Test func hostileSchemaNameIsMaintained() throws {
        let fixture = try EngineFixture("schema")
        let schema = #"Odd "Schema"; x"#
        try fixture.schema.run("CREATE SCHEMA \(SQL.identifier(schema))")
        defer { _ = try? fixture.schema.run("DROP SCHEMA \(SQL.identifier(schema)) CASCADE") }
        try fixture.schema.run(
            "CREATE TABLE \(SQL.qualified(schema, "T")) (\"At\" date NOT NULL) PARTITION BY RANGE (\"At\")")
        let spec = TableSpec(
            parent: QualifiedName(schema: schema, name: "T"), column: "At", interval: CalendarInterval(1, .day),
            premake: 3)

        let report = fixture.pass([spec], at: "2026-11-26T10:00:00Z")

        #expect(report.succeeded, "\(report.tables.flatMap(\.errors))")
        #expect(report.createdCount == 5)
    }
}
