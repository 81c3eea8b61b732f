import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// A table that is to become range-partitioned, read from the catalog without changing anything
/// (ACCESS SHARE at most), and `MigrationRules`' verdict on it.
struct MigrationInspection {
    /// What the steps need besides the facts judged; read for a plain table only.
    struct Details {
        var oid: Int64 = 0
        var ownerIsCurrentUser = true
        var tablespace: String?
        /// The table's size on disk, for the description of the VALIDATE scan.
        var size = ""
        var indexCount = 0
        /// Sequences owned by a column of the table (serial).
        var ownedSequences: [(schema: String, name: String, column: String)] = []
        /// Identity columns and their sequences; `indexed` when an index leads with the column, so that
        /// `max(column)` is one index probe (else the largest id is read by a scan before the swap).
        var identities: [(column: String, sequence: QualifiedName, indexed: Bool)] = []
        /// `partmand_migrate_bounds` on the table, a leftover of an earlier run (it is dropped and added again).
        var leftoverConstraint = false
        /// The layout's cutoff as a literal of the key type, quoted by the server.
        var cutoffLiteral = ""
    }

    var facts: MigrationFacts
    var details: Details
    var verdict: MigrationVerdict

    /// Reads the facts about `spec.parent` and judges them at `now`.
    static func read(_ spec: TableSpec, now: Date, on connection: PostgresConnection) throws -> MigrationInspection {
        var reader = Reader(spec: spec, now: now, connection: connection)
        try reader.read()
        return MigrationInspection(
            facts: reader.facts, details: reader.details, verdict: MigrationRules.judge(spec, reader.facts, now: now))
    }
}

/// The catalog queries of a migration's checks. Which names to look up (the history table, the new
/// parent, the partitions) comes from `MigrationRules.layout`, as the rules will judge them.
private struct Reader {
    let spec: TableSpec
    let now: Date
    let connection: PostgresConnection
    var facts = MigrationFacts(relkind: nil)
    var details = MigrationInspection.Details()

    var table: QualifiedName { spec.parent }
    var oidParameter: PostgresValue { .text(String(details.oid)) }

    /// Reads everything for a plain table; for anything else, only its relkind.
    mutating func read() throws {
        guard try readTable(), facts.relkind == "r" else { return }
        try readColumn()
        try readDependents()
        let keyType = MigrationRules.keyType(of: facts.column)
        let layout = MigrationRules.layout(spec, keyType: keyType ?? .timestamptz, now: now)
        details.cutoffLiteral = try BoundLiterals.literal(layout.cutoff, keyType: layout.keyType, on: connection)
        if keyType != nil { try readNewest() }
        try readNames(layout)
        try readOwnedSequences()
    }

    /// The table's row in `pg_class`; false when there is none.
    private mutating func readTable() throws -> Bool {
        let row = try connection.query(
            """
            SELECT c.oid::int8 AS oid, c.relkind::text AS relkind, c.relpersistence::text AS persistence,
                   c.relowner::regrole::text AS owner, pg_get_userbyid(c.relowner) = current_user AS owner_is_me,
                   pg_has_role(c.relowner, 'USAGE') AS can_alter, c.relrowsecurity AS rls,
                   c.reloftype <> 0 AS typed, pg_size_pretty(pg_table_size(c.oid)) AS size,
                   (SELECT spcname::text FROM pg_tablespace WHERE oid = c.reltablespace) AS tablespace
            FROM pg_class c WHERE c.oid = to_regclass($1)
            """,
            [.text(table.sql)], purpose: "look up \(table)"
        ).rows.first
        guard let row else { return false }
        details.oid = try row.int64("oid")
        facts.relkind = try row.string("relkind")
        guard facts.relkind == "r" else { return true }
        facts.owner = try row.string("owner")
        details.ownerIsCurrentUser = try row.bool("owner_is_me")
        details.tablespace = row["tablespace"]
        details.size = try row.string("size")
        facts.permanent = try row.string("persistence") == "p"
        facts.typed = try row.bool("typed")
        facts.mayAlter = try row.bool("can_alter")
        facts.rowSecurity = try row.bool("rls")
        return true
    }

    /// The partition column; a nullable one is scanned for NULLs.
    private mutating func readColumn() throws {
        let column = try connection.query(
            """
            SELECT format_type(atttypid, NULL) AS type, attnotnull AS not_null, attgenerated <> '' AS generated
            FROM pg_attribute WHERE attrelid = $1::oid AND attname = $2 AND attnum > 0 AND NOT attisdropped
            """, [oidParameter, .text(spec.column)], purpose: "read column \(spec.column) of \(table)"
        ).rows.first
        guard let column else { return }
        var holdsNulls = false
        if try !column.bool("not_null") {
            holdsNulls = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM \(table.sql) WHERE \(SQL.identifier(spec.column)) IS NULL) AS nulls", [],
                purpose: "look for NULLs in \(table).\(spec.column)"
            ).rows[0].bool("nulls")
        }
        facts.column = MigrationColumnFacts(
            type: try column.string("type"), generated: try column.bool("generated"), holdsNulls: holdsNulls)
    }

    /// One name per row, in column `item`.
    private func items(_ sql: String, _ parameters: [PostgresValue?]? = nil, purpose: String) throws -> [String] {
        try connection.query(sql, parameters ?? [oidParameter], purpose: purpose).rows.map { $0["item"] ?? "?" }
    }

    /// What would not be carried over to the new table, and the indexes.
    private mutating func readDependents() throws {
        try readIdentities()
        facts.columnPrivileges = try items(
            "SELECT attname::text AS item FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0"
                + " AND NOT attisdropped AND attacl IS NOT NULL ORDER BY attnum", purpose: "find column privileges")
        facts.referencingForeignKeys = try items(
            "SELECT format('%s (on %s)', conname, conrelid::regclass) AS item FROM pg_constraint"
                + " WHERE confrelid = $1::oid AND contype = 'f' ORDER BY 1", purpose: "find foreign keys to \(table)")
        facts.foreignKeys = try items(
            "SELECT conname::text AS item FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'f' ORDER BY 1",
            purpose: "find foreign keys of \(table)")
        facts.exclusionConstraints = try items(
            "SELECT conname::text AS item FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'x' ORDER BY 1",
            purpose: "find exclusion constraints")
        facts.dependentViews = try items(
            """
            SELECT DISTINCT r.ev_class::regclass::text AS item FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::oid AND r.ev_class <> $1::oid ORDER BY 1
            """, purpose: "find views on \(table)")
        facts.rules = try items(
            "SELECT rulename::text AS item FROM pg_rewrite WHERE ev_class = $1::oid ORDER BY 1",
            purpose: "find rules on \(table)")
        facts.triggers = try items(
            "SELECT tgname::text AS item FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal ORDER BY 1",
            purpose: "find triggers on \(table)")
        facts.inheritance = try items(
            """
            SELECT CASE WHEN inhrelid = $1::oid THEN 'inherits from ' || inhparent::regclass::text
                        ELSE 'inherited by ' || inhrelid::regclass::text END AS item
            FROM pg_inherits WHERE inhrelid = $1::oid OR inhparent = $1::oid ORDER BY 1
            """, purpose: "find inheritance of \(table)")
        facts.publications = try items(
            "SELECT pubname::text AS item FROM pg_publication_tables WHERE schemaname = $1 AND tablename = $2",
            [.text(table.schema), .text(table.name)], purpose: "find publications of \(table)")
        facts.uniqueIndexesWithoutColumn = try items(
            """
            SELECT i.indexrelid::regclass::text AS item FROM pg_index i
            WHERE i.indrelid = $1::oid AND i.indisunique
              AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = $1::oid AND attname = $2)
                      = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
            ORDER BY 1
            """, [oidParameter, .text(spec.column)], purpose: "check unique indexes of \(table)")
        facts.invalidIndexes = try items(
            "SELECT indexrelid::regclass::text AS item FROM pg_index WHERE indrelid = $1::oid"
                + " AND NOT (indisvalid AND indisready) ORDER BY 1", purpose: "find invalid indexes")
        details.indexCount = try connection.query(
            "SELECT count(*)::int AS n FROM pg_index WHERE indrelid = $1::oid", [oidParameter], purpose: "count indexes"
        ).rows[0].int("n")
    }

    /// Identity columns, their sequences, and whether an index leads with them.
    private mutating func readIdentities() throws {
        let rows = try connection.query(
            """
            SELECT a.attname::text AS column, n.nspname::text AS seq_schema, s.relname::text AS seq_name,
                   q.seqincrement::int8 AS increment,
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum
                           AND i.indpred IS NULL AND i.indisvalid) AS indexed
            FROM pg_attribute a
            JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
                            AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_namespace n ON n.oid = s.relnamespace
            JOIN pg_sequence q ON q.seqrelid = s.oid
            WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity <> ''
            ORDER BY a.attnum
            """, [oidParameter], purpose: "find identity columns of \(table)"
        ).rows
        for row in rows {
            let column = try row.string("column")
            facts.identityColumns.append(.init(column: column, increment: try row.int64("increment")))
            details.identities.append(
                (
                    column,
                    QualifiedName(schema: try row.string("seq_schema"), name: try row.string("seq_name")),
                    try row.bool("indexed")
                ))
        }
    }

    /// The newest value of the partition column (one index or table scan).
    private mutating func readNewest() throws {
        facts.newest = try connection.query(
            "SELECT extract(epoch FROM max(\(SQL.identifier(spec.column))))::text AS newest FROM \(table.sql)", [],
            purpose: "find the newest \(spec.column) in \(table)"
        ).rows[0].optionalDouble("newest").map(Date.init(timeIntervalSince1970:))
    }

    /// Whether the names the migration needs are taken, and leftovers of an earlier run.
    private mutating func readNames(_ layout: MigrationLayout) throws {
        let names = try connection.query(
            """
            SELECT to_regclass($1) IS NOT NULL AS history_taken, c.relkind::text AS new_kind,
                   (SELECT count(*) FROM pg_inherits WHERE inhparent = c.oid)::int AS new_children,
                   EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $3::oid AND conname = $4) AS constraint_left
            FROM (SELECT 1) one LEFT JOIN pg_class c ON c.oid = to_regclass($2)
            """,
            [
                .text(layout.historyTable.sql), .text(layout.newTable.sql), oidParameter,
                .text(TableMigration.boundsConstraint),
            ], purpose: "check names for the migration of \(table)"
        ).rows[0]
        facts.historyNameTaken = try names.bool("history_taken")
        facts.leftoverNewTableKind = names["new_kind"]
        if facts.leftoverNewTableKind == "p" {
            facts.leftoverNewTableHasRows = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM \(layout.newTable.sql)) AS has_rows", [],
                purpose: "look into \(layout.newTable)"
            ).rows[0].bool("has_rows")
        }
        details.leftoverConstraint = try names.bool("constraint_left")

        let wanted = String(
            decoding: try JSONSerialization.data(withJSONObject: layout.partitionNames.map(\.sql)), as: UTF8.self)
        facts.takenPartitionNames = try items(
            "SELECT n AS item FROM json_array_elements_text($1::json) AS n WHERE to_regclass(n) IS NOT NULL",
            [.text(wanted)], purpose: "check partition names")
    }

    /// Sequences owned by a column of the table (serial): their `OWNED BY` moves to the new table.
    private mutating func readOwnedSequences() throws {
        details.ownedSequences = try connection.query(
            """
            SELECT n.nspname::text AS schema, s.relname::text AS name, a.attname::text AS column
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_namespace n ON n.oid = s.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::oid AND d.deptype = 'a'
            ORDER BY 1, 2
            """, [oidParameter], purpose: "find sequences owned by \(table)"
        ).rows.map {
            (try $0.string("schema"), try $0.string("name"), try $0.string("column"))
        }
    }
}
