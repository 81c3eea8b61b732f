import Foundation
import PartmandCore
import PartmandPostgres

/// partmand's durable record of retirements in progress, the table `partmand.retirement`: one row per
/// partition whose retirement spans several transactions (`DETACH … CONCURRENTLY` commits on its own,
/// then the drop or archive follows). The row is committed before the detach starts and deleted in the
/// transaction that finishes the retirement, so a crash, a kill or a failed drop at any point leaves a
/// row that the next pass finds (and finishes) and that `plan` and `health` report.
enum RetirementLedger {
    /// The ledger's schema and table.
    static let table = QualifiedName(schema: "partmand", name: "retirement")

    /// Whether the ledger exists (it is created on first use).
    static func exists(on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try LedgerTable.exists(table, on: connection)
    }

    /// Creates the schema and table when they are missing. Run it outside any transaction.
    static func create(on connection: PostgresConnection) throws {
        try LedgerTable.create(
            table,
            columns: """
                partition_oid oid PRIMARY KEY,
                parent_oid oid NOT NULL,
                parent_schema text NOT NULL,
                parent_name text NOT NULL,
                partition_schema text NOT NULL,
                partition_name text NOT NULL,
                range text NOT NULL,
                action text NOT NULL CHECK (action IN ('drop', 'detach', 'archive')),
                archive_schema text CHECK ((action = 'archive') = (archive_schema IS NOT NULL)),
                started_at timestamptz NOT NULL DEFAULT now()
                """,
            comment: "partmand: retirements in progress; do not edit",
            neededFor: "before a partition is detached concurrently", on: connection)
    }

    /// Records that `retired` of `parent` is being retired; returns the partition's OID. Commits with
    /// the caller's transaction.
    static func record(
        _ retired: RetiredPartition, of parent: QualifiedName, on connection: PostgresConnection
    ) throws -> UInt32 {
        let archiveSchema: String? = if case .archive(let schema) = retired.action { schema } else { nil }
        let row = try connection.query(
            """
            INSERT INTO \(table.sql) AS r (partition_oid, parent_oid, parent_schema, parent_name,
                                          partition_schema, partition_name, range, action, archive_schema)
            SELECT to_regclass($1)::oid, to_regclass($2)::oid, $3, $4, $5, $6, $7, $8, $9
            ON CONFLICT (partition_oid) DO UPDATE SET action = excluded.action,
                archive_schema = excluded.archive_schema
            RETURNING partition_oid::int8 AS oid
            """,
            [
                .text(retired.name.sql), .text(parent.sql), .text(parent.schema), .text(parent.name),
                .text(retired.name.schema), .text(retired.name.name), .text(retired.range.description),
                .text(actionName(retired.action)), archiveSchema.map(PostgresValue.text),
            ],
            purpose: "record the retirement of \(retired.name)"
        ).rows[0]
        return UInt32(try row.int64("oid"))
    }

    /// Deletes the record of the retirement of table `oid`, if any.
    static func forget(_ oid: UInt32, on connection: PostgresConnection) throws(PostgresError) {
        try connection.query(
            "DELETE FROM \(table.sql) WHERE partition_oid = $1::oid", [.text(String(oid))],
            purpose: "clear the retirement record of table \(oid)")
    }

    /// The unfinished retirements of the parents `oids`, by parent OID. The ledger must exist (`exists`).
    static func read(parents oids: [UInt32], on connection: PostgresConnection) throws(PostgresError)
        -> [UInt32: [UnfinishedRetirement]]
    {
        guard !oids.isEmpty else { return [:] }
        let result = try connection.query(
            """
            SELECT r.parent_oid::int8 AS parent, r.partition_oid::int8 AS oid,
                   coalesce(n.nspname::text, r.partition_schema) AS schema,
                   coalesce(c.relname::text, r.partition_name) AS name,
                   r.range, r.action, r.archive_schema, extract(epoch FROM r.started_at)::text AS since,
                   CASE WHEN c.oid IS NULL THEN 'gone'
                        WHEN coalesce(i.inhdetachpending, false) THEN 'pending'
                        WHEN c.relispartition THEN 'attached'
                        ELSE 'detached' END AS state
            FROM \(table.sql) r
            LEFT JOIN pg_class c ON c.oid = r.partition_oid
            LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
            WHERE r.parent_oid = ANY($1::oid[])
            ORDER BY r.started_at, r.partition_oid
            """,
            [.text("{" + oids.map(String.init).joined(separator: ",") + "}")],
            purpose: "read unfinished retirements")
        var found: [UInt32: [UnfinishedRetirement]] = [:]
        for row in result.rows {
            let action: RetentionAction =
                switch try row.string("action") {
                case "archive": .archive(schema: try row.string("archive_schema"))
                case "detach": .detach
                default: .drop
                }
            let state: UnfinishedRetirement.State =
                switch try row.string("state") {
                case "gone": .gone
                case "pending": .detachPending
                case "attached": .attached
                default: .detached
                }
            found[UInt32(try row.int64("parent")), default: []].append(
                UnfinishedRetirement(
                    oid: UInt32(try row.int64("oid")),
                    name: QualifiedName(schema: try row.string("schema"), name: try row.string("name")),
                    range: try row.string("range"), action: action, state: state,
                    since: Date(timeIntervalSince1970: try row.double("since"))))
        }
        return found
    }

    private static func actionName(_ action: RetentionAction) -> String {
        switch action {
        case .drop: "drop"
        case .detach: "detach"
        case .archive: "archive"
        }
    }
}
