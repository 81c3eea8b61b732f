import PartmandCore
import PartmandPostgres

/// The installed pg_partman extension: the schema it lives in and its version, from `pg_extension`.
public struct PartmanExtension: Hashable, Sendable {
    public var schema: String
    public var version: String

    public init(schema: String, version: String) {
        self.schema = schema
        self.version = version
    }

    /// The major version (4 or 5).
    public var major: Int { Int(version.split(separator: ".").first ?? "") ?? 0 }

    /// `create_parent`'s `p_type` for a native range set: 'native' before 5.0, 'range' from 5.0.
    public var rangeType: String { major >= 5 ? "range" : "native" }

    /// `schema.function`, quoted.
    func function(_ name: String) -> String { SQL.qualified(schema, name) }

    /// `schema.part_config`, quoted.
    var partConfig: String { SQL.qualified(schema, "part_config") }

    /// What is said when the extension is needed but missing.
    static let missing = "pg_partman is not installed"

    /// Why a set configured with `engine: pg_partman` cannot be maintained or planned here.
    static func missingError(for table: QualifiedName) -> TableError {
        TableError(table: table, message: "engine is pg_partman but \(missing)")
    }

    /// The installed extension, or nil when pg_partman is not installed in this database.
    public static func find(on connection: PostgresConnection) throws(PostgresError) -> PartmanExtension? {
        let row = try connection.query(
            "SELECT n.nspname::text AS schema, e.extversion AS version FROM pg_extension e"
                + " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'",
            purpose: "find pg_partman"
        ).rows.first
        guard let row else { return nil }
        return PartmanExtension(schema: try row.string("schema"), version: try row.string("version"))
    }
}
