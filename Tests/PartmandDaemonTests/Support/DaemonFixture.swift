import Foundation
import PartmandTestSupport

/// A schema of the test's own on the test server, with range-partitioned tables in it, and the
/// `partmand run` configuration that maintains them.
final class DaemonFixture: Sendable {
    let schema: TestSchema
    let conninfo: String

    init(_ prefix: String = "daemon") throws {
        conninfo = try TestServer.conninfo()
        schema = try TestSchema(prefix, conninfo: conninfo)
    }

    /// Drops the schema with everything in it.
    func drop() { schema.drop() }

    /// `schema.table`, as written in the configuration.
    func name(_ table: String) -> String { "\(schema.name).\(table)" }

    /// Creates `schema.table (id bigint, received_at timestamptz not null, payload text)`, partitioned
    /// by range on `received_at`, without partitions.
    func createParent(_ table: String) throws {
        try schema.run(
            "CREATE TABLE \(schema.qualified(table)) (id bigint GENERATED ALWAYS AS IDENTITY, "
                + "received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)")
    }

    /// How many partitions (the default one included) `table` has.
    func partitionCount(_ table: String) throws -> Int {
        let row = try schema.run(
            "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = '\(schema.qualified(table))'::regclass"
        ).rows[0]
        return try row.int("n")
    }

    /// The table's OID (the second key of partmand's advisory lock on it).
    func oid(_ table: String) throws -> Int64 {
        try schema.run("SELECT '\(schema.qualified(table))'::regclass::oid::int8 AS oid").rows[0].int64("oid")
    }

    /// A configuration maintaining `tables` (daily partitions, 2 made ahead, a default partition) in
    /// this schema. `schedule` and `maintenance` entries are added to (and override) the defaults:
    /// a pass every hour, run on start. `tableKeys` are added to every table entry.
    func config(
        tables: [String], conninfo: String? = nil, poolSize: Int = 1, schedule: [String: String] = [:],
        maintenance: [String: String] = [:], interval: String = "daily", tableKeys: [String] = []
    ) -> String {
        var scheduleKeys = ["every": "1h", "run_on_start": "true"]
        scheduleKeys.merge(schedule) { $1 }
        var maintenanceKeys = ["lock_timeout": "2s", "statement_timeout": "30s", "retries": "1", "backoff": "100ms"]
        maintenanceKeys.merge(maintenance) { $1 }
        var lines = [
            "database:",
            "  conninfo: \(Self.quoted(conninfo ?? self.conninfo))",
            "  pool_size: \(poolSize)",
            "  connect_timeout: 3s",
            "maintenance:",
        ]
        lines += maintenanceKeys.keys.sorted().map { "  \($0): \(maintenanceKeys[$0]!)" }
        lines.append("schedule:")
        lines += scheduleKeys.keys.sorted().map { "  \($0): \(scheduleKeys[$0]!)" }
        lines.append("tables:")
        for table in tables {
            lines +=
                [
                    "  - table: \(name(table))",
                    "    column: received_at",
                    "    interval: \(interval)",
                    "    premake: 2",
                ] + tableKeys.map { "    " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A double-quoted YAML scalar.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
