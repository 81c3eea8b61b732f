import PartmandCore
import PartmandPostgres

/// partmand's own bookkeeping tables (its ledgers, in schema `partmand`): looked for, and created on
/// first use.
enum LedgerTable {
    /// Whether `table` exists.
    static func exists(_ table: QualifiedName, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try connection.query(
            "SELECT to_regclass($1) IS NOT NULL AS present", [.text(table.sql)], purpose: "look for \(table)"
        ).rows[0].bool("present")
    }

    /// Creates the schema and `table` with `columns` (the text inside `CREATE TABLE … ( )`) and the
    /// constant `comment` (partmand's own words, no quote in them) when missing. Run it outside any
    /// transaction. `neededFor` ends the message when the role may not create them.
    static func create(
        _ table: QualifiedName, columns: String, comment: StaticString, neededFor: String,
        on connection: PostgresConnection
    ) throws {
        guard try !exists(table, on: connection) else { return }
        do {
            try connection.execute(
                "CREATE SCHEMA IF NOT EXISTS \(SQL.identifier(table.schema))", purpose: "create schema \(table.schema)")
            try connection.execute("CREATE TABLE IF NOT EXISTS \(table.sql) (\(columns))", purpose: "create \(table)")
            try connection.execute("COMMENT ON TABLE \(table.sql) IS '\(comment)'", purpose: "comment on \(table)")
        } catch {
            if ["23505", "42P06", "42P07"].contains(error.sqlState ?? "") {
                // Another partmand created it at the same moment.
                guard try exists(table, on: connection) else { throw error }
                return
            }
            guard error.sqlState == "42501" else { throw error }
            throw TableError(
                table: table,
                message: "cannot create partmand's \(table), needed \(neededFor): \(error.message); create schema "
                    + "\(table.schema) for partmand's role (CREATE SCHEMA \(table.schema) AUTHORIZATION <role>) or "
                    + "grant it CREATE on the database",
                sqlState: error.sqlState)
        }
    }
}
