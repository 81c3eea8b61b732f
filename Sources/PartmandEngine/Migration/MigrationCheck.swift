import Foundation
import PartmandCore
import PartmandPostgres

/// One check of `partmand migrate`: its name and, when it failed, why the migration is refused.
public struct MigrationCheckResult: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// Nil when the check passed.
    public var refusal: String?

    public var passed: Bool { refusal == nil }
    public var description: String { refusal.map { "refused: \(name): \($0)" } ?? "ok: \(name)" }
}

/// What the catalog says about a plain table that is to become range-partitioned, read without
/// changing anything (ACCESS SHARE at most).
struct MigrationInspection {
    /// The table's name after the swap: the partitioned parent.
    var table: QualifiedName
    var oid: Int64
    /// `r` plain, `p` already partitioned, ….
    var relkind: String
    var keyType: PartitionKeyType = .timestamptz
    /// The history partition will be `FROM (MINVALUE) TO (cutoff)`.
    var cutoff: Date
    /// `cutoff` as a literal, quoted by the server.
    var cutoffLiteral = ""
    var checks: [MigrationCheckResult] = []
    var owner = ""
    var ownerIsCurrentUser = true
    var tablespace: String?
    /// Sequences owned by a column of the table (serial): (schema, name, column).
    var ownedSequences: [(schema: String, name: String, column: String)] = []
    /// `<name>_partmand_new`, a leftover of an earlier run (it is dropped and made again).
    var leftoverNewTable = false
    /// `partmand_migrate_bounds` on the table, a leftover of an earlier run (it is dropped and added again).
    var leftoverConstraint = false
    var indexCount = 0
    /// The table's size on disk, for the description of the VALIDATE scan.
    var size = ""
    /// Partitions to make on the new parent before the swap (the planner's window after `cutoff`).
    var newPartitions: [NewPartition] = []
    var newDefault: QualifiedName?

    var refused: Bool { checks.contains { !$0.passed } }
    var newTable: QualifiedName { TableMigration.newTableName(table) }
    var historyTable: QualifiedName { TableMigration.historyName(table) }
}

/// The read-only checks of `partmand migrate`.
enum MigrationCheck {
    /// Inspects `spec.parent` at `now`; a table that does not exist is refused, one that is already
    /// partitioned comes back with relkind `p` and no further checks.
    static func inspect(_ spec: TableSpec, now: Date, on connection: PostgresConnection) throws -> MigrationInspection {
        let table = spec.parent
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
        let utc = TimeZone(identifier: "UTC")!
        var inspection = MigrationInspection(table: table, oid: 0, relkind: "", cutoff: now)
        guard let row else {
            inspection.checks = [.init(name: "table exists", refusal: "\(table) does not exist")]
            return inspection
        }
        inspection.oid = try row.int64("oid")
        inspection.relkind = try row.string("relkind")
        if inspection.relkind == "p" { return inspection }
        inspection.owner = try row.string("owner")
        inspection.ownerIsCurrentUser = try row.bool("owner_is_me")
        inspection.tablespace = row["tablespace"]
        inspection.size = try row.string("size")
        let oid = PostgresValue.text(String(inspection.oid))
        var checks: [MigrationCheckResult] = []
        func check(_ name: String, _ refusal: String?) { checks.append(.init(name: name, refusal: refusal)) }
        func items(_ sql: String, _ parameters: [PostgresValue?] = [oid], purpose: String) throws -> [String] {
            try connection.query(sql, parameters, purpose: purpose).rows.map { $0["item"] ?? "?" }
        }
        func listed(_ values: [String]) -> String { values.joined(separator: ", ") }

        let kinds = ["v": "a view", "m": "a materialized view", "f": "a foreign table", "S": "a sequence"]
        guard inspection.relkind == "r" else {
            check("plain table", "\(table) is \(kinds[inspection.relkind] ?? "not a table"), not a plain table")
            inspection.checks = checks
            return inspection
        }
        check("plain table", nil)
        check(
            "permanent table",
            try row.string("persistence") == "p"
                ? nil : "\(table) is unlogged or temporary; partmand only migrates permanent (logged) tables")
        check("not a typed table", try row.bool("typed") ? "\(table) is a typed table (OF type)" : nil)
        check(
            "owned by partmand's role",
            try row.bool("can_alter")
                ? nil
                : "\(table) is owned by \(inspection.owner); partmand's role must own it (or be a member of the owner)")
        check(
            "no row-level security",
            try row.bool("rls")
                ? "\(table) has row-level security enabled; policies are not copied to the new table" : nil)

        // The partition column.
        let column = try connection.query(
            """
            SELECT format_type(atttypid, NULL) AS type, attnotnull AS not_null, attgenerated <> '' AS generated
            FROM pg_attribute WHERE attrelid = $1::oid AND attname = $2 AND attnum > 0 AND NOT attisdropped
            """, [oid, .text(spec.column)], purpose: "read column \(spec.column) of \(table)"
        ).rows.first
        let key = SQL.identifier(spec.column)
        var columnUsable = false
        if let column {
            let typeName = try column.string("type")
            if let type = PartitionKeyType(rawValue: typeName), try !column.bool("generated") {
                inspection.keyType = type
                columnUsable = true
                check("column \(spec.column) is timestamptz, timestamp or date", nil)
            } else {
                check(
                    "column \(spec.column) is timestamptz, timestamp or date",
                    "column \(spec.column) of \(table) has type \(typeName)\(try column.bool("generated") ? " and is generated" : ""); "
                        + "partmand partitions on timestamptz, timestamp or date columns")
            }
            if try !column.bool("not_null") {
                let nulls = try connection.query(
                    "SELECT EXISTS (SELECT 1 FROM \(table.sql) WHERE \(key) IS NULL) AS nulls", [],
                    purpose: "look for NULLs in \(table).\(spec.column)"
                ).rows[0]
                check(
                    "no NULL in \(spec.column)",
                    try nulls.bool("nulls")
                        ? "\(table).\(spec.column) holds NULLs, which no range partition takes; fill them in or delete them"
                        : nil)
            } else {
                check("no NULL in \(spec.column)", nil)
            }
        } else {
            check("column \(spec.column) exists", "\(table) has no column \(spec.column)")
        }

        let identity = try items(
            "SELECT attname::text AS item FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0"
                + " AND NOT attisdropped AND attidentity <> '' ORDER BY attnum", purpose: "find identity columns")
        check(
            "no identity columns",
            identity.isEmpty
                ? nil
                : "identity column(s) \(listed(identity)): the new table would get a new sequence starting at 1; "
                    + "replace the identity with a sequence default (nextval) first")
        let columnACLs = try items(
            "SELECT attname::text AS item FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0"
                + " AND NOT attisdropped AND attacl IS NOT NULL ORDER BY attnum", purpose: "find column privileges")
        check(
            "no column privileges",
            columnACLs.isEmpty
                ? nil : "column privileges on \(listed(columnACLs)) are not copied; revoke them, migrate, grant again")

        let referencing = try items(
            "SELECT format('%s (on %s)', conname, conrelid::regclass) AS item FROM pg_constraint"
                + " WHERE confrelid = $1::oid AND contype = 'f' ORDER BY 1", purpose: "find foreign keys to \(table)")
        check(
            "no foreign keys referencing it",
            referencing.isEmpty
                ? nil
                : "foreign key(s) \(listed(referencing)) reference \(table); they would keep referencing the history "
                    + "partition only. Drop them, migrate, and add them again on the partitioned table")
        let outgoing = try items(
            "SELECT conname::text AS item FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'f' ORDER BY 1",
            purpose: "find foreign keys of \(table)")
        check(
            "no foreign keys of its own",
            outgoing.isEmpty
                ? nil
                : "foreign key(s) \(listed(outgoing)) are not copied by CREATE TABLE … (LIKE …); drop them, "
                    + "migrate, and add them again on the partitioned table")
        let exclusion = try items(
            "SELECT conname::text AS item FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'x' ORDER BY 1",
            purpose: "find exclusion constraints")
        check(
            "no exclusion constraints",
            exclusion.isEmpty
                ? nil : "exclusion constraint(s) \(listed(exclusion)) are not supported on partitioned tables")

        let views = try items(
            """
            SELECT DISTINCT r.ev_class::regclass::text AS item FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::oid AND r.ev_class <> $1::oid ORDER BY 1
            """, purpose: "find views on \(table)")
        check(
            "no views depending on it",
            views.isEmpty
                ? nil
                : "view(s) \(listed(views)) depend on \(table) and would keep showing the history partition only; "
                    + "drop them, migrate, and create them again")
        let rules = try items(
            "SELECT rulename::text AS item FROM pg_rewrite WHERE ev_class = $1::oid ORDER BY 1",
            purpose: "find rules on \(table)")
        check("no rules", rules.isEmpty ? nil : "rule(s) \(listed(rules)) on \(table) are not copied")
        let triggers = try items(
            "SELECT tgname::text AS item FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal ORDER BY 1",
            purpose: "find triggers on \(table)")
        check(
            "no triggers",
            triggers.isEmpty
                ? nil
                : "trigger(s) \(listed(triggers)) are not copied to the new table; drop them, migrate, and create "
                    + "them again on the partitioned table")
        let inheritance = try items(
            """
            SELECT CASE WHEN inhrelid = $1::oid THEN 'inherits from ' || inhparent::regclass::text
                        ELSE 'inherited by ' || inhrelid::regclass::text END AS item
            FROM pg_inherits WHERE inhrelid = $1::oid OR inhparent = $1::oid ORDER BY 1
            """, purpose: "find inheritance of \(table)")
        check(
            "no inheritance",
            inheritance.isEmpty ? nil : "\(table) \(listed(inheritance)); partmand migrates stand-alone tables only")
        let publications = try items(
            "SELECT pubname::text AS item FROM pg_publication_tables WHERE schemaname = $1 AND tablename = $2",
            [.text(table.schema), .text(table.name)], purpose: "find publications of \(table)")
        check(
            "not in a publication",
            publications.isEmpty
                ? nil
                : "\(table) is in publication(s) \(listed(publications)); remove it, migrate, and add the "
                    + "partitioned table")

        // Indexes: PostgreSQL requires every unique index of a partitioned table to contain the key.
        let uniqueWithoutKey = try items(
            """
            SELECT i.indexrelid::regclass::text AS item FROM pg_index i
            WHERE i.indrelid = $1::oid AND i.indisunique
              AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = $1::oid AND attname = $2)
                      = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
            ORDER BY 1
            """, [oid, .text(spec.column)], purpose: "check unique indexes of \(table)")
        check(
            "every unique index and primary key includes \(spec.column)",
            uniqueWithoutKey.isEmpty
                ? nil
                : "unique index(es) \(listed(uniqueWithoutKey)) do not include \(spec.column); a partitioned table "
                    + "needs the partition column in every PRIMARY KEY and UNIQUE index")
        let invalid = try items(
            "SELECT indexrelid::regclass::text AS item FROM pg_index WHERE indrelid = $1::oid"
                + " AND NOT (indisvalid AND indisready) ORDER BY 1", purpose: "find invalid indexes")
        check(
            "no invalid indexes",
            invalid.isEmpty
                ? nil
                : "index(es) \(listed(invalid)) are invalid (a failed CREATE INDEX CONCURRENTLY?); "
                    + "drop or REINDEX them first")
        inspection.indexCount = try connection.query(
            "SELECT count(*)::int AS n FROM pg_index WHERE indrelid = $1::oid", [oid], purpose: "count indexes"
        ).rows[0].int("n")

        // The cutoff: the start of the slot after the one holding now.
        let zone = inspection.keyType == .timestamptz ? spec.timeZone : utc
        let calendar = PartitionCalendar(interval: spec.interval, timeZone: zone)
        let slot = calendar.slot(containing: now)
        let cutoff = calendar.boundary(ofSlot: slot + 1)
        inspection.cutoff = cutoff
        inspection.cutoffLiteral = try connection.query(
            "SELECT quote_literal($1::text) AS literal", [.text(inspection.keyType.text(for: cutoff))],
            purpose: "quote the cutoff"
        ).rows[0].string("literal")
        let margin = min(300, cutoff.timeIntervalSince(calendar.boundary(ofSlot: slot)) / 4)
        check(
            "not too close to the cutoff",
            cutoff.timeIntervalSince(now) < margin
                ? "only \(Int(cutoff.timeIntervalSince(now))) s are left before \(ISO8601.string(cutoff)), when the "
                    + "history partition closes; run migrate after \(ISO8601.string(cutoff))" : nil)
        if columnUsable {
            let newest = try connection.query(
                "SELECT extract(epoch FROM max(\(key)))::text AS newest FROM \(table.sql)", [],
                purpose: "find the newest \(spec.column) in \(table)"
            ).rows[0]
            if let newest = try newest.optionalDouble("newest").map(Date.init(timeIntervalSince1970:)),
                newest >= cutoff
            {
                let opens = calendar.boundary(ofSlot: calendar.slot(containing: newest))
                check(
                    "no rows at or after the cutoff",
                    "rows at or after \(ISO8601.string(cutoff)) exist in \(table) (newest \(ISO8601.string(newest))); "
                        + "run migrate after \(ISO8601.string(opens)), or move or delete those rows")
            } else {
                check("no rows at or after the cutoff \(ISO8601.string(cutoff))", nil)
            }
        }

        // Names the migration needs.
        let names = try connection.query(
            """
            SELECT to_regclass($1) IS NOT NULL AS history_taken, c.relkind::text AS new_kind,
                   (SELECT count(*) FROM pg_inherits WHERE inhparent = c.oid)::int AS new_children,
                   EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $3::oid AND conname = $4) AS constraint_left
            FROM (SELECT 1) one LEFT JOIN pg_class c ON c.oid = to_regclass($2)
            """,
            [
                .text(inspection.historyTable.sql), .text(inspection.newTable.sql), oid,
                .text(TableMigration.boundsConstraint),
            ], purpose: "check names for the migration of \(table)"
        ).rows[0]
        check(
            "\(inspection.historyTable.name) is free",
            try names.bool("history_taken") ? "\(inspection.historyTable) already exists; rename or drop it" : nil)
        if let kind = names["new_kind"] {
            inspection.leftoverNewTable = true
            check(
                "\(inspection.newTable.name) is a leftover of partmand",
                kind == "p" ? nil : "\(inspection.newTable) exists and is not a partitioned table; rename or drop it")
            if kind == "p" {
                let rows = try connection.query(
                    "SELECT EXISTS (SELECT 1 FROM \(inspection.newTable.sql)) AS has_rows", [],
                    purpose: "look into \(inspection.newTable)"
                ).rows[0]
                if try rows.bool("has_rows") {
                    check(
                        "\(inspection.newTable.name) is empty",
                        "\(inspection.newTable) holds rows; partmand only drops its own empty leftover")
                }
            }
        }
        inspection.leftoverConstraint = try names.bool("constraint_left")

        // Partitions after the cutoff: the planner's window, as if the history partition already existed.
        let snapshot = TableSnapshot(
            parent: table, keyColumn: spec.column, keyType: inspection.keyType,
            partitions: [
                ExistingPartition(
                    name: inspection.historyTable, range: PartitionRange(lower: .minValue, upper: .value(cutoff)))
            ])
        for action in Planner.plan(spec, snapshot, now: now).actions {
            switch action {
            case .createPartition(let new): inspection.newPartitions.append(new)
            case .createDefaultPartition(let name): inspection.newDefault = name
            case .retirePartition, .finishRetirement: break
            }
        }
        let wanted = inspection.newPartitions.map(\.name) + (inspection.newDefault.map { [$0] } ?? [])
        let wantedJSON = String(decoding: try JSONSerialization.data(withJSONObject: wanted.map(\.sql)), as: UTF8.self)
        let taken = try items(
            "SELECT n AS item FROM json_array_elements_text($1::json) AS n WHERE to_regclass(n) IS NOT NULL",
            [.text(wantedJSON)], purpose: "check partition names")
        check("partition names are free", taken.isEmpty ? nil : "table(s) \(listed(taken)) already exist")

        let sequences = try connection.query(
            """
            SELECT n.nspname::text AS schema, s.relname::text AS name, a.attname::text AS column
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_namespace n ON n.oid = s.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::oid AND d.deptype = 'a'
            ORDER BY 1, 2
            """, [oid], purpose: "find sequences owned by \(table)")
        inspection.ownedSequences = try sequences.rows.map {
            (try $0.string("schema"), try $0.string("name"), try $0.string("column"))
        }
        inspection.checks = checks
        return inspection
    }
}
