import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// The steps of a migration after the checks, in order (docs/migrate.md, steps 2 to 5).
enum MigrationStep: CaseIterable {
    /// `ADD CONSTRAINT partmand_migrate_bounds CHECK (…) NOT VALID`: ACCESS EXCLUSIVE, catalog only.
    case addConstraint
    /// `VALIDATE CONSTRAINT`: the one scan, under SHARE UPDATE EXCLUSIVE.
    case validateConstraint
    /// The new partitioned parent `<name>_partmand_new`, its comment, grants and owner.
    case createParent
    /// The new parent's partitions after the cutoff (in `createParent`'s transaction).
    case createPartitions
    /// The swap: rename, rename, move owned sequences, ATTACH the history partition, drop the CHECK.
    case swap
}

/// The SQL of one migration, built from the layout and the inspection; identifiers quoted by
/// `SQL.identifier`, values quoted by the server.
struct MigrationSteps {
    let spec: TableSpec
    let layout: MigrationLayout
    let details: MigrationInspection.Details
    /// The old table's owner, who gets the new parent.
    let owner: String
    /// `<name>_partmand_new` is a leftover of an earlier run (it is dropped and made again).
    let leftoverNewTable: Bool

    init(spec: TableSpec, layout: MigrationLayout, inspection: MigrationInspection) {
        self.spec = spec
        self.layout = layout
        self.details = inspection.details
        self.owner = inspection.facts.owner
        self.leftoverNewTable = inspection.facts.leftoverNewTableKind != nil
    }

    var table: QualifiedName { spec.parent }
    var newTable: QualifiedName { layout.newTable }
    var history: QualifiedName { layout.historyTable }
    var key: String { SQL.identifier(spec.column) }
    var constraint: String { SQL.identifier(TableMigration.boundsConstraint) }
    var tablespaceClause: String { details.tablespace.map { " TABLESPACE \(SQL.identifier($0))" } ?? "" }

    var checkSQL: String {
        "ALTER TABLE \(table.sql) ADD CONSTRAINT \(constraint)"
            + " CHECK (\(key) IS NOT NULL AND \(key) < \(details.cutoffLiteral)) NOT VALID"
    }
    var createSQL: String {
        "CREATE TABLE \(newTable.sql) (LIKE \(table.sql) \(likeOptions))"
            + " PARTITION BY RANGE (\(key))\(tablespaceClause)"
    }
    /// A partition's options, the indexes (ATTACH adopts the history table's existing ones) and the
    /// identity columns (a sequence of the new parent's own, with the old one's options; set in the swap).
    var likeOptions: String { PartitionDDL.likeOptions + " INCLUDING INDEXES INCLUDING IDENTITY" }

    /// Every step's description, in order (a dry run's report).
    var descriptions: [String] { MigrationStep.allCases.map(description(of:)) }

    /// What `step` does, for the report and the log.
    func description(of step: MigrationStep) -> String {
        switch step {
        case .addConstraint:
            return (details.leftoverConstraint ? "drop the leftover \(TableMigration.boundsConstraint), then " : "")
                + checkSQL + " (ACCESS EXCLUSIVE, catalog only)"
        case .validateConstraint:
            return "ALTER TABLE \(table.sql) VALIDATE CONSTRAINT \(constraint) (SHARE UPDATE EXCLUSIVE: reads and"
                + " writes go on; scans the table, \(details.size))"
        case .createParent:
            return (leftoverNewTable ? "drop the leftover \(newTable), then " : "") + createSQL
                + "; drop the copied \(TableMigration.boundsConstraint); copy the table comment, grants and owner"
        case .createPartitions:
            let partitions =
                layout.newPartitions.map { "\($0.name.name) [\($0.range.lower), \($0.range.upper))" }
                + (layout.newDefault.map { ["\($0.name) DEFAULT"] } ?? [])
            return "create partitions of \(newTable.name): "
                + (partitions.isEmpty ? "none" : partitions.joined(separator: ", "))
        case .swap:
            return "swap in one transaction: LOCK TABLE \(table.sql) IN ACCESS EXCLUSIVE MODE; rename it to "
                + "\(history.name); rename \(newTable.name) to \(table.name); "
                + (details.ownedSequences.isEmpty
                    ? "" : "sequence(s) \(details.ownedSequences.map(\.name).joined(separator: ", ")) owned by it; ")
                + details.identities.map {
                    "identity \($0.column): the new sequence set past \($0.sequence.name)'s last value and max(\($0.column))"
                        + ($0.indexed ? "" : " (read before the swap: no index leads with it)")
                        + ", the identity dropped from \(history.name) (dropping \($0.sequence.name)), the new "
                        + "sequence renamed to \($0.sequence.name); "
                }.joined()
                + "ATTACH PARTITION \(history.sql) FOR VALUES FROM (MINVALUE) TO (\(details.cutoffLiteral)); "
                + "drop \(TableMigration.boundsConstraint)"
        }
    }

    /// `.addConstraint`: the NOT VALID CHECK (catalog only, but ACCESS EXCLUSIVE: the short lock timeout).
    func addConstraint(_ connection: PostgresConnection, _ runner: TransactionRunner, _ settings: MaintenanceSettings)
        throws
    {
        try runner.inTransaction(
            "add \(TableMigration.boundsConstraint) to \(table)", lockTimeout: settings.exclusiveLockTimeout
        ) {
            if details.leftoverConstraint {
                try connection.execute(
                    "ALTER TABLE \(table.sql) DROP CONSTRAINT IF EXISTS \(constraint)",
                    purpose: "drop the leftover \(TableMigration.boundsConstraint)")
            }
            try connection.execute(checkSQL, purpose: "add \(TableMigration.boundsConstraint) to \(table)")
        }
    }

    /// `.validateConstraint`: the scan, under SHARE UPDATE EXCLUSIVE (readers and writers go on).
    func validateConstraint(_ connection: PostgresConnection, _ runner: TransactionRunner) throws {
        try runner.inTransaction("validate \(TableMigration.boundsConstraint) of \(table)") {
            try connection.execute(
                "ALTER TABLE \(table.sql) VALIDATE CONSTRAINT \(constraint)",
                purpose: "validate \(TableMigration.boundsConstraint) of \(table)")
        }
    }

    /// `.createParent` and `.createPartitions`, in one transaction: the new partitioned parent (invisible
    /// to the application until the swap), its comment, grants and owner, and its partitions after the cutoff.
    func createParentAndPartitions(_ connection: PostgresConnection, _ runner: TransactionRunner) throws {
        try runner.inTransaction("create \(newTable)") {
            if leftoverNewTable {
                try connection.execute("DROP TABLE IF EXISTS \(newTable.sql)", purpose: "drop the leftover \(newTable)")
            }
            try connection.execute(createSQL, purpose: "create \(newTable)")
            try connection.execute(
                "ALTER TABLE \(newTable.sql) DROP CONSTRAINT IF EXISTS \(constraint)",
                purpose: "drop the copied \(TableMigration.boundsConstraint)")
            // The table comment and privileges, rendered by the server from the catalog (format %L / %I).
            let statements = try connection.query(
                """
                SELECT format('COMMENT ON TABLE %s IS %L', $1::text, d.description) AS sql
                FROM pg_description d
                WHERE d.objoid = $2::oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
                UNION ALL
                SELECT format('GRANT %s ON %s TO %s%s', a.privilege_type, $1::text,
                              CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
                WHERE c.oid = $2::oid AND a.grantee <> c.relowner
                """, [.text(newTable.sql), .text(String(details.oid))], purpose: "read comment and grants"
            ).rows.map { try $0.string("sql") }
            for statement in statements {
                try connection.execute(statement, purpose: "copy comment or grant to \(newTable)")
            }
            if !details.ownerIsCurrentUser {
                try connection.execute(
                    "ALTER TABLE \(newTable.sql) OWNER TO \(SQL.identifier(owner))",
                    purpose: "give \(newTable) to \(owner)")
            }
            for new in layout.newPartitions {
                let bounds = try BoundLiterals(new.range, keyType: layout.keyType, on: connection)
                try connection.execute(
                    "CREATE TABLE \(new.name.sql) PARTITION OF \(newTable.sql)"
                        + " FOR VALUES FROM (\(bounds.lower)) TO (\(bounds.upper))",
                    purpose: "create partition \(new.name)")
            }
            if let name = layout.newDefault {
                try connection.execute(
                    "CREATE TABLE \(name.sql) PARTITION OF \(newTable.sql) DEFAULT",
                    purpose: "create default partition \(name)")
            }
        }
    }

    /// The largest value of each identity column that no index leads with, by column: one scan each,
    /// before the swap and without its lock (readers and writers go on).
    func scanIdentityMaxima(_ connection: PostgresConnection, _ runner: TransactionRunner) throws -> [String: Int64] {
        var maxima: [String: Int64] = [:]
        for identity in details.identities where !identity.indexed {
            let column = SQL.identifier(identity.column)
            maxima[identity.column] = try runner.inTransaction("read max(\(identity.column)) of \(table)") {
                try connection.query(
                    "SELECT max(\(column))::int8 AS m FROM \(table.sql)", [], purpose: "read max(\(identity.column))"
                ).rows[0].optionalInt64("m")
            }
        }
        return maxima
    }

    /// In the swap, after the renames: the new parent's identity sequences continue past the old ones'
    /// last values and the largest ids (`maxima` for the columns no index leads with); the history table
    /// loses its identity (and with it the old sequence: one generator of ids, and PostgreSQL 17 refuses to
    /// attach a table with an identity), and the new sequence takes the old one's name. Returns the
    /// positions set, by column.
    private func continueIdentities(_ connection: PostgresConnection, maxima: [String: Int64]) throws -> [String: Int64]
    {
        var positions: [String: Int64] = [:]
        for identity in details.identities {
            let column = SQL.identifier(identity.column)
            let largest = identity.indexed ? "(SELECT max(\(column)) FROM \(history.sql))::int8" : "$4::int8"
            let row = try connection.query(
                """
                SELECT n.nspname::text AS schema, c.relname::text AS name, setval(c.oid, p.position, true) AS position
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                     (SELECT greatest(pg_sequence_last_value($1::regclass), \(largest)) AS position) p
                WHERE c.oid = pg_get_serial_sequence($2, $3)::regclass
                """,
                [.text(identity.sequence.sql), .text(table.sql), .text(identity.column)]
                    + (identity.indexed ? [] : [maxima[identity.column].map { .text(String($0)) }]),
                purpose: "continue the identity of \(table).\(identity.column)"
            ).rows.first
            guard let row else {
                throw MigrationRefusal(
                    message: "\(table).\(identity.column) has no identity sequence after the renames")
            }
            positions[identity.column] = try row.optionalInt64("position")
            try connection.execute(
                "ALTER TABLE \(history.sql) ALTER COLUMN \(column) DROP IDENTITY",
                purpose: "drop the identity of \(history).\(identity.column)")
            try connection.execute(
                "ALTER SEQUENCE \(SQL.qualified(try row.string("schema"), try row.string("name")))"
                    + " RENAME TO \(SQL.identifier(identity.sequence.name))",
                purpose: "rename the sequence of \(table).\(identity.column)")
        }
        return positions
    }

    /// `.swap`: one short transaction under the short lock timeout. Returns the number of existing
    /// indexes ATTACH adopted; rolls back if it had to build any.
    func swap(
        _ connection: PostgresConnection, _ runner: TransactionRunner, _ settings: MaintenanceSettings,
        identityMaxima: [String: Int64] = [:]
    ) throws -> Int {
        try runner.inTransaction("swap \(table) for a partitioned table", lockTimeout: settings.exclusiveLockTimeout) {
            try connection.execute(
                "LOCK TABLE \(table.sql) IN ACCESS EXCLUSIVE MODE", purpose: "lock \(table)")
            let valid = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::oid AND conname = $2"
                    + " AND convalidated) AS ok",
                [.text(String(details.oid)), .text(TableMigration.boundsConstraint)],
                purpose: "check \(TableMigration.boundsConstraint)"
            ).rows[0]
            guard try valid.bool("ok") else {
                throw MigrationRefusal(
                    message: "\(TableMigration.boundsConstraint) on \(table) vanished or is not valid")
            }
            try connection.execute(
                "ALTER TABLE \(table.sql) RENAME TO \(SQL.identifier(history.name))", purpose: "rename \(table)")
            try connection.execute(
                "ALTER TABLE \(newTable.sql) RENAME TO \(SQL.identifier(table.name))", purpose: "rename \(newTable)")
            for sequence in details.ownedSequences {
                // Else dropping the history partition (retention) would drop the sequence the defaults use.
                try connection.execute(
                    "ALTER SEQUENCE \(SQL.qualified(sequence.schema, sequence.name))"
                        + " OWNED BY \(table.sql).\(SQL.identifier(sequence.column))",
                    purpose: "move sequence \(sequence.name) to \(table)")
            }
            _ = try continueIdentities(connection, maxima: identityMaxima)
            try connection.execute(
                "ALTER TABLE \(table.sql) ATTACH PARTITION \(history.sql)"
                    + " FOR VALUES FROM (MINVALUE) TO (\(details.cutoffLiteral))",
                purpose: "attach \(history)")
            let indexes = try connection.query(
                """
                SELECT count(*)::int AS total,
                       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid))::int
                           AS attached
                FROM pg_index i WHERE i.indrelid = $1::oid
                """, [.text(String(details.oid))], purpose: "check the indexes of \(history)"
            ).rows[0]
            let total = try indexes.int("total")
            guard total == details.indexCount else {
                throw MigrationRefusal(
                    message: "ATTACH would have built \(total - details.indexCount) new index(es) on \(history) "
                        + "instead of adopting the existing ones; rolled back")
            }
            try connection.execute(
                "ALTER TABLE \(history.sql) DROP CONSTRAINT \(constraint)",
                purpose: "drop \(TableMigration.boundsConstraint) of \(history)")
            return try indexes.int("attached")
        }
    }

    /// After a failure before the swap committed: drops the new parent and the CHECK (which would
    /// otherwise reject rows at or after the cutoff). Returns what could not be removed.
    func cleanUp(
        _ connection: PostgresConnection, _ runner: TransactionRunner, _ settings: MaintenanceSettings, logger: Logger
    ) -> [String] {
        guard connection.isOpen else {
            return [
                "maybe \(newTable) (DROP TABLE \(newTable.sql))",
                "maybe \(TableMigration.boundsConstraint) on \(table) "
                    + "(ALTER TABLE \(table.sql) DROP CONSTRAINT \(constraint))",
            ]
        }
        runner.rollback()
        var left: [String] = []
        do {
            try runner.inTransaction("drop \(newTable)") {
                try connection.execute("DROP TABLE IF EXISTS \(newTable.sql)", purpose: "drop \(newTable)")
            }
        } catch {
            left.append("\(newTable) (DROP TABLE \(newTable.sql)): \(error)")
        }
        do {
            try runner.inTransaction(
                "drop \(TableMigration.boundsConstraint)", lockTimeout: settings.exclusiveLockTimeout
            ) {
                try connection.execute(
                    "ALTER TABLE \(table.sql) DROP CONSTRAINT IF EXISTS \(constraint)",
                    purpose: "drop \(TableMigration.boundsConstraint) of \(table)")
            }
        } catch {
            left.append(
                "\(TableMigration.boundsConstraint) on \(table), which rejects rows at or after the cutoff: "
                    + "run migrate again or ALTER TABLE \(table.sql) DROP CONSTRAINT \(constraint)")
        }
        for item in left { logger.error("left behind: \(item)") }
        return left
    }
}
