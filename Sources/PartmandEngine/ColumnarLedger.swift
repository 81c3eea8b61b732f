import Foundation
import PartmandCore
import PartmandPostgres

/// partmand's durable record of columnar conversions in progress, the table
/// `partmand.columnar_conversion`: one row per partition being converted. The row is committed before
/// the partition is detached and deleted in the transaction that attaches it again, so a crash, a kill
/// or a failure in between leaves a row that the next pass finds (and finishes) and that `plan` and
/// `health` report. Rows are keyed by the partition's name: the conversion gives the table a new OID.
enum ColumnarLedger {
    static let table = QualifiedName(schema: "partmand", name: "columnar_conversion")

    static func exists(on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try LedgerTable.exists(table, on: connection)
    }

    /// Creates the schema and table when they are missing. Run it outside any transaction.
    static func create(on connection: PostgresConnection) throws {
        try LedgerTable.create(
            table,
            columns: """
                partition_schema text NOT NULL,
                partition_name text NOT NULL,
                parent_oid oid NOT NULL,
                lower_bound double precision,
                upper_bound double precision,
                started_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (partition_schema, partition_name)
                """,
            comment: "partmand: columnar conversions in progress; do not edit",
            neededFor: "before a partition is detached for its columnar conversion", on: connection)
    }

    /// Records that `partition` of the parent `parentOID` is being converted. Commits with the caller's
    /// transaction. Infinite bounds are stored as NULL.
    static func record(_ partition: ExistingPartition, parentOID: UInt32, on connection: PostgresConnection)
        throws(PostgresError)
    {
        let bounds = [partition.range.lower, partition.range.upper].map { bound in
            bound.date.map { PostgresValue.text(String($0.timeIntervalSince1970)) }
        }
        try connection.query(
            """
            INSERT INTO \(table.sql) (partition_schema, partition_name, parent_oid, lower_bound, upper_bound)
            VALUES ($1, $2, $3::oid, $4::float8, $5::float8)
            ON CONFLICT (partition_schema, partition_name) DO NOTHING
            """,
            [.text(partition.name.schema), .text(partition.name.name), .text(String(parentOID))] + bounds,
            purpose: "record the columnar conversion of \(partition.name)")
    }

    /// Deletes the record of the conversion of `name`, if any.
    static func forget(_ name: QualifiedName, on connection: PostgresConnection) throws(PostgresError) {
        try connection.query(
            "DELETE FROM \(table.sql) WHERE partition_schema = $1 AND partition_name = $2",
            [.text(name.schema), .text(name.name)], purpose: "clear the columnar conversion record of \(name)")
    }

    /// The unfinished conversions of the parents `oids`, by parent OID. The ledger must exist (`exists`).
    static func read(parents oids: [UInt32], on connection: PostgresConnection) throws(PostgresError)
        -> [UInt32: [UnfinishedConversion]]
    {
        guard !oids.isEmpty else { return [:] }
        let result = try connection.query(
            """
            SELECT r.parent_oid::int8 AS parent, r.partition_schema AS schema, r.partition_name AS name,
                   r.lower_bound::text AS lower, r.upper_bound::text AS upper,
                   extract(epoch FROM r.started_at)::text AS since,
                   CASE WHEN c.oid IS NULL THEN 'gone' WHEN c.relispartition THEN 'attached' ELSE 'detached' END AS state,
                   (SELECT amname::text FROM pg_am WHERE oid = c.relam) AS access_method
            FROM \(table.sql) r
            LEFT JOIN pg_namespace n ON n.nspname = r.partition_schema
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.partition_name
            WHERE r.parent_oid = ANY($1::oid[])
            ORDER BY r.started_at, r.partition_name
            """,
            [.text("{" + oids.map(String.init).joined(separator: ",") + "}")],
            purpose: "read unfinished columnar conversions")
        var found: [UInt32: [UnfinishedConversion]] = [:]
        for row in result.rows {
            let lower = try row.optionalDouble("lower").map { RangeBound.value(Date(timeIntervalSince1970: $0)) }
            let upper = try row.optionalDouble("upper").map { RangeBound.value(Date(timeIntervalSince1970: $0)) }
            let state: UnfinishedConversion.State =
                switch try row.string("state") {
                case "gone": .gone
                case "attached": .attached
                default: .detached
                }
            found[UInt32(try row.int64("parent")), default: []].append(
                UnfinishedConversion(
                    name: QualifiedName(schema: try row.string("schema"), name: try row.string("name")),
                    range: PartitionRange(lower: lower ?? .minValue, upper: upper ?? .maxValue), state: state,
                    accessMethod: row["access_method"], since: Date(timeIntervalSince1970: try row.double("since"))))
        }
        return found
    }
}
