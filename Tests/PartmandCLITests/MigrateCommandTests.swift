import Testing

@Suite("partmand migrate")
struct MigrateCommandTests {
    @Test("migrate --help lists its options and exit codes")
    func help() throws {
        let result = try runPartmand(["migrate", "--help"])
        #expect(result.status == 0, "\(result)")
        for text in [
            "--table <schema.table>", "--dry-run", "Exit status", "69 database unreachable", "docs/migrate.md",
        ] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
    }

    @Test("migrate needs --table")
    func needsTable() throws {
        let result = try runPartmand(["migrate"])
        #expect(result.status == 64, "\(result)")
    }
}
