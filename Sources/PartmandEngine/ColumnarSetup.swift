import PartmandCore
import PartmandPostgres

/// `partmand setup` for `columnar_after`: creates Citus's `citus_columnar` extension when a selected table
/// asks for columnar and the server is a Citus node without it.
public enum ColumnarSetup {
    /// One step when some spec has `columnar_after`: created, already there, or refused (not a Citus
    /// server: no columnar on plain PostgreSQL). Nothing otherwise.
    public static func run(_ specs: [TableSpec], dryRun: Bool, on connection: PostgresConnection) throws(PostgresError)
        -> [PartmanSetup.Step]
    {
        let asking = specs.filter { $0.columnarAfter != nil }
        guard let first = asking.first else { return [] }
        let tables = asking.map(\.parent.description).joined(separator: ", ")
        let row = try connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus_columnar') AS installed,
                   EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'citus_columnar') AS available,
                   EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus
            """, purpose: "check the citus_columnar extension"
        ).rows[0]
        if try row.bool("installed") {
            return [step("citus_columnar is installed (columnar_after of \(tables))", changed: false)]
        }
        guard try row.bool("citus"), try row.bool("available") else {
            var failed = step(
                "columnar_after (\(tables)) needs Citus's citus_columnar extension, which this server does not"
                    + " have: remove columnar_after, or run partmand against a Citus coordinator",
                changed: false)
            failed.failed = true
            failed.table = first.parent
            return [failed]
        }
        if dryRun { return [step("would create extension citus_columnar (columnar_after of \(tables))")] }
        try connection.execute("CREATE EXTENSION IF NOT EXISTS citus_columnar", purpose: "create citus_columnar")
        return [step("created extension citus_columnar (columnar_after of \(tables))")]
    }

    private static func step(_ message: String, changed: Bool = true) -> PartmanSetup.Step {
        PartmanSetup.Step(table: nil, message: message, changed: changed, failed: false)
    }
}
