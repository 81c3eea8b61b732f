import PartmandCore
import PartmandPostgres

/// The run history table's definition, and its creation by `partmand setup`.
public enum HistoryTableDDL {
    /// Creates the schema (if missing) and `table`, range-partitioned by month on `started_at`, with no
    /// partitions yet (a pass makes them), in one transaction. Returns false when the table existed.
    @discardableResult
    public static func create(_ table: QualifiedName, on connection: PostgresConnection) throws(PostgresError)
        -> Bool
    {
        guard try !exists(table, on: connection) else { return false }
        try connection.execute("BEGIN", purpose: "create the history table \(table)")
        do {
            let schemaMissing = try connection.query(
                "SELECT to_regnamespace($1) IS NULL AS missing", [.text(SQL.identifier(table.schema))],
                purpose: "look up schema \(table.schema)"
            ).rows[0].bool("missing")
            if schemaMissing {
                try connection.execute(
                    "CREATE SCHEMA \(SQL.identifier(table.schema))", purpose: "create schema \(table.schema)")
            }
            try connection.execute(createTable(table), purpose: "create the history table \(table)")
            try connection.execute(
                "CREATE INDEX ON \(table.sql) (table_schema, table_name, started_at)",
                purpose: "index the history table \(table)")
            try connection.execute("COMMIT", purpose: "create the history table \(table)")
        } catch {
            _ = try? connection.execute("ROLLBACK", purpose: "roll back")
            throw error
        }
        return true
    }

    /// Whether `table` exists (as a relation the connection's role can see).
    public static func exists(_ table: QualifiedName, on connection: PostgresConnection) throws(PostgresError)
        -> Bool
    {
        try connection.query(
            "SELECT to_regclass($1) IS NOT NULL AS e", [.text(table.sql)], purpose: "look up the history table \(table)"
        ).rows[0].bool("e")
    }

    /// `CREATE TABLE` for `table`: the columns `HistoryRow` fills.
    static func createTable(_ table: QualifiedName) -> String {
        let key = SQL.identifier(RunHistoryTable.keyColumn)
        return """
            CREATE TABLE \(table.sql) (
                run_id text NOT NULL,
                started_at timestamptz NOT NULL,
                finished_at timestamptz NOT NULL,
                table_schema text NOT NULL,
                table_name text NOT NULL,
                engine text NOT NULL CHECK (engine IN ('native', 'pg_partman')),
                status text NOT NULL CHECK (status IN ('ok', 'skipped', 'failed')),
                created integer NOT NULL,
                retired integer NOT NULL,
                moved bigint NOT NULL,
                sqlstate text,
                message text,
                partmand_version text NOT NULL,
                trigger text NOT NULL
            ) PARTITION BY RANGE (\(key))
            """
    }
}
