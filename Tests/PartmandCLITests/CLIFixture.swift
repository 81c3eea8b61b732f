import Foundation
import PartmandPostgres
import PartmandTestSupport

/// A test schema plus a configuration file for it, for running `partmand` as a subprocess.
final class CLIFixture {
    let schema: TestSchema
    let scratch: ScratchDirectory
    let conninfo: String
    private(set) var configPath = ""

    /// On the test server, or on the server `conninfo` names.
    init(_ prefix: String, conninfo: String? = nil) throws {
        schema = try TestSchema(prefix, conninfo: conninfo)
        scratch = try ScratchDirectory()
        self.conninfo = try conninfo ?? TestServer.conninfo()
    }

    deinit {
        scratch.remove()
        schema.drop()
    }

    /// Writes the configuration: the test server, `maintenance` keys, and one table entry per
    /// `tables` element (its YAML lines after `- table: schema.name`), then the lines of `sections` (other
    /// top-level sections, as written).
    func configure(maintenance: [String: String] = [:], tables: [String: [String]], sections: [String] = []) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        var lines = ["database:", "  conninfo: " + String(decoding: try encoder.encode(conninfo), as: UTF8.self)]
        if !maintenance.isEmpty {
            lines.append("maintenance:")
            lines += maintenance.keys.sorted().map { "  \($0): \(maintenance[$0]!)" }
        }
        lines.append("tables:")
        for table in tables.keys.sorted() {
            lines.append("  - table: \(schema.name).\(table)")
            lines += tables[table]!.map { "    " + $0 }
        }
        lines += sections
        configPath = try scratch.write("partmand.yaml", lines.joined(separator: "\n") + "\n")
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
        try runPartmand([arguments[0], "--config", configPath] + arguments.dropFirst(), environment: environment)
    }

    /// Starts `partmand` in the background.
    func spawn(_ arguments: [String]) throws -> SpawnedProcess {
        let environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
        return try SpawnedProcess(
            try partmandExecutable().path, [arguments[0], "--config", configPath] + arguments.dropFirst(),
            environment: environment)
    }

    func count(_ sql: String, _ parameters: [PostgresValue?] = []) throws -> Int {
        try schema.run(sql, parameters).rows[0].int("n")
    }

    /// The names of `table`'s partitions other than the default one, in bound order.
    func partitionNames(_ table: String) throws -> [String] {
        try schema.run(
            """
            SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass($1) AND pg_get_expr(c.relpartbound, 0) <> 'DEFAULT'
            ORDER BY pg_get_expr(c.relpartbound, 0)
            """, [.text(schema.qualified(table))]
        ).rows.map { $0["name"]! }
    }

    /// Polls `condition` every 50 ms for up to `seconds`; returns whether it came true.
    func waitUntil(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}
