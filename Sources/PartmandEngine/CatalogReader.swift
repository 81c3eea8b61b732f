import Foundation
import PartmandCore
import PartmandPostgres

/// What the catalog says about one configured table, plus what execution needs beyond the snapshot.
public struct TableCatalog: Sendable {
    /// The parent's OID.
    public var oid: UInt32
    public var snapshot: TableSnapshot
    /// Columns that can be inserted into (not dropped, not generated), in table order.
    public var insertableColumns: [String]
    /// The parent's tablespace, when it has one: new partitions go there, as with `PARTITION OF`.
    public var tablespace: String?
    /// What this read depends on, summed up (see `CatalogReader.fingerprint`): equal fingerprints later
    /// mean the read still holds.
    var fingerprint: Fingerprint
}

/// A digest of a parent's catalog rows and its partitions' (their OIDs, pending detaches, and the
/// transaction that last wrote each row: any ATTACH, DETACH, column or tablespace change writes one)
/// and, when the ledger existed, its recorded retirements.
struct Fingerprint: Sendable, Equatable {
    var digest: String
    var coversLedger: Bool
}

/// Reads range-partitioned parents and their partitions from the catalog, several tables per query.
public enum CatalogReader {
    /// Reads every table of `specs` in a few queries (parents, partitions, partmand's retirement ledger,
    /// default-partition row counts 200 to a query outside a transaction, else one each).
    /// A table that is missing or not range-partitioned on the configured column gets an error.
    ///
    /// With `isolatingFailures`, a database error while counting one table's default partition (a lock
    /// timeout, 55P03; no SELECT privilege, 42501; a statement timeout, 57014) becomes that table's
    /// failure, with its SQLSTATE, and the other tables are still read; inside a transaction block each
    /// count then runs under a savepoint. Connection problems are always thrown. Without it, the first
    /// error is thrown (the caller's transaction is aborted anyway; the caller rolls back and may retry).
    public static func read(
        _ specs: [TableSpec], isolatingFailures: Bool = false, on connection: PostgresConnection
    ) throws(PostgresError) -> [QualifiedName: Result<TableCatalog, TableError>] {
        var results: [QualifiedName: Result<TableCatalog, TableError>] = [:]
        guard !specs.isEmpty else { return results }
        let parents = try readParents(specs, on: connection)
        var found: [UInt32: (spec: TableSpec, parent: ParentRow)] = [:]
        for spec in specs {
            switch validate(spec, parents[spec.parent]) {
            case .success(let parent): found[parent.oid] = (spec, parent)
            case .failure(let error): results[spec.parent] = .failure(error)
            }
        }
        let children = try readPartitions(of: Array(found.keys), on: connection)
        let ledger = try RetirementLedger.exists(on: connection)
        let unfinished = ledger ? try RetirementLedger.read(parents: Array(found.keys), on: connection) : [:]
        let fingerprints = try fingerprint(of: Array(found.keys), coveringLedger: ledger, on: connection)
        let defaults = found.compactMap { oid, entry in
            children[oid]?.first(where: \.isDefault).map { (oid: oid, partition: $0.name, key: entry.parent.keyColumn) }
        }
        let counted = try countInBatches(defaults, on: connection)
        for (oid, entry) in found {
            let rows = children[oid] ?? []
            let defaultPartition = rows.first(where: \.isDefault)?.name
            var defaultRows = counted[oid]
            if let defaultPartition, defaultRows == nil {
                do {
                    defaultRows = try isolated(isolatingFailures, on: connection) { () throws(PostgresError) in
                        try Self.defaultRows(in: defaultPartition, key: entry.parent.keyColumn, on: connection)
                    }
                } catch {
                    guard isolatingFailures && !error.isConnectionProblem else { throw error }
                    results[entry.spec.parent] = .failure(TableError(table: entry.spec.parent, error))
                    continue
                }
            }
            let snapshot = TableSnapshot(
                parent: entry.spec.parent, keyColumn: entry.parent.keyColumn, keyType: entry.parent.keyType,
                partitions: rows.filter { !$0.isDefault }.map {
                    ExistingPartition(name: $0.name, range: $0.range, detachPending: $0.detachPending)
                },
                defaultPartition: defaultPartition, defaultRows: defaultRows,
                unfinishedRetirements: unfinished[oid] ?? [])
            results[entry.spec.parent] = .success(
                TableCatalog(
                    oid: oid, snapshot: snapshot, insertableColumns: entry.parent.columns,
                    tablespace: entry.parent.tablespace,
                    fingerprint: Fingerprint(digest: fingerprints[oid] ?? "", coversLedger: ledger)))
        }
        return results
    }

    /// The default partitions' row counts, many per query (those of zero blocks without a scan), when
    /// several are to be counted outside a transaction block; empty (the caller counts one by one, isolating failures) when there is only one,
    /// when inside a transaction, or when a batch fails (one locked or unreadable partition fails its
    /// whole batch). Connection problems are thrown.
    private static func countInBatches(
        _ defaults: [(oid: UInt32, partition: QualifiedName, key: String)], on connection: PostgresConnection
    ) throws(PostgresError) -> [UInt32: DefaultRows] {
        guard defaults.count > 1, connection.transactionStatus == .idle else { return [:] }
        var counted: [UInt32: DefaultRows] = [:]
        // A default partition of zero blocks holds no row, committed or not: only the others are counted.
        let names = String(decoding: try! JSONEncoder().encode(defaults.map(\.partition.sql)), as: UTF8.self)
        let sizes: QueryResult
        do {
            sizes = try connection.query(
                """
                SELECT s.i::int AS i, pg_relation_size(s.name::regclass) = 0 AS empty
                FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS s(name, i)
                """, [.text(names)], purpose: "size \(defaults.count) default partitions")
        } catch {
            guard !error.isConnectionProblem else { throw error }
            return [:]
        }
        var occupied: [(oid: UInt32, partition: QualifiedName, key: String)] = []
        for row in sizes.rows {
            let entry = defaults[try row.int("i") - 1]
            if try row.bool("empty") {
                counted[entry.oid] = DefaultRows(count: 0, oldest: nil, newest: nil)
            } else {
                occupied.append(entry)
            }
        }
        let defaults = occupied
        for start in stride(from: 0, to: defaults.count, by: countBatchSize) {
            let batch = defaults[start..<min(start + countBatchSize, defaults.count)]
            let branches = batch.enumerated().map { index, entry in
                let column = SQL.identifier(entry.key)
                return "SELECT \(index) AS i, count(*) AS n, extract(epoch FROM min(\(column)))::text AS oldest,"
                    + " extract(epoch FROM max(\(column)))::text AS newest FROM \(entry.partition.sql)"
            }
            let result: QueryResult
            do {
                result = try connection.query(
                    branches.joined(separator: " UNION ALL "),
                    purpose: "count rows in \(batch.count) default partitions")
            } catch {
                guard !error.isConnectionProblem else { throw error }
                return [:]
            }
            for row in result.rows {
                let entry = batch[batch.startIndex + (try row.int("i"))]
                counted[entry.oid] = DefaultRows(
                    count: try row.int64("n"),
                    oldest: try row.optionalDouble("oldest").map(Date.init(timeIntervalSince1970:)),
                    newest: try row.optionalDouble("newest").map(Date.init(timeIntervalSince1970:)))
            }
        }
        return counted
    }

    /// Default partitions counted in one query.
    static let countBatchSize = 200

    /// Runs `body`; when `isolating` inside a transaction block, under a savepoint that is rolled back
    /// when `body` fails, so the transaction stays usable. Outside one, each statement commits on its own.
    private static func isolated<T>(
        _ isolating: Bool, on connection: PostgresConnection, _ body: () throws(PostgresError) -> T
    ) throws(PostgresError) -> T {
        guard isolating, connection.transactionStatus == .inTransaction else { return try body() }
        let savepoint = "partmand_catalog_read"
        try connection.execute("SAVEPOINT \(savepoint)", purpose: "savepoint before a table's read")
        do {
            let value = try body()
            try connection.execute("RELEASE SAVEPOINT \(savepoint)", purpose: "release savepoint")
            return value
        } catch {
            if connection.isOpen {
                try connection.execute(
                    "ROLLBACK TO SAVEPOINT \(savepoint)", purpose: "roll back to savepoint after a failed read")
                try connection.execute("RELEASE SAVEPOINT \(savepoint)", purpose: "release savepoint")
            }
            throw error
        }
    }

    /// The fingerprints of the parents `oids`, by OID, in one query.
    static func fingerprint(of oids: [UInt32], coveringLedger ledger: Bool, on connection: PostgresConnection)
        throws(PostgresError) -> [UInt32: String]
    {
        guard !oids.isEmpty else { return [:] }
        let retirements =
            ledger
            ? ", (SELECT string_agg(r.partition_oid::text, ',' ORDER BY r.partition_oid)"
                + " FROM \(RetirementLedger.table.sql) r WHERE r.parent_oid = p.oid)" : ""
        let result = try connection.query(
            """
            SELECT p.oid::int8 AS oid, md5(concat_ws('|',
                (SELECT c.xmin::text FROM pg_class c WHERE c.oid = p.oid),
                (SELECT string_agg(a.xmin::text, ',' ORDER BY a.attnum)
                 FROM pg_attribute a WHERE a.attrelid = p.oid AND a.attnum > 0),
                (SELECT string_agg(i.inhrelid::text || ':' || i.inhdetachpending::text || ':' || k.xmin::text,
                                   ',' ORDER BY i.inhrelid)
                 FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid WHERE i.inhparent = p.oid)\(retirements))) AS digest
            FROM unnest($1::oid[]) AS p(oid)
            """,
            [.text("{" + oids.map(String.init).joined(separator: ",") + "}")],
            purpose: "fingerprint \(oids.count) partitioned tables")
        var digests: [UInt32: String] = [:]
        for row in result.rows { digests[UInt32(try row.int64("oid"))] = try row.string("digest") }
        return digests
    }

    /// The partitions (the default one aside) of the parent whose OID is `oid`, in bound order.
    static func partitions(of oid: UInt32, on connection: PostgresConnection) throws(PostgresError)
        -> [ExistingPartition]
    {
        (try readPartitions(of: [oid], on: connection)[oid] ?? []).filter { !$0.isDefault }
            .map { ExistingPartition(name: $0.name, range: $0.range, detachPending: $0.detachPending) }
            .sorted { $0.range.lower < $1.range.lower }
    }

    /// Whether `catalog` still describes its table: its fingerprint, read again, is unchanged.
    static func stillHolds(_ catalog: TableCatalog, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        let now = try fingerprint(of: [catalog.oid], coveringLedger: catalog.fingerprint.coversLedger, on: connection)
        return now[catalog.oid] == catalog.fingerprint.digest
    }

    /// Row count and key span of a default partition: of all its rows, or of those whose key is at or
    /// after `from`.
    public static func defaultRows(
        in partition: QualifiedName, key: String, from: Date? = nil, on connection: PostgresConnection
    ) throws(PostgresError) -> DefaultRows {
        let column = SQL.identifier(key)
        let row = try connection.query(
            "SELECT count(*) AS n, extract(epoch FROM min(\(column)))::text AS oldest,"
                + " extract(epoch FROM max(\(column)))::text AS newest FROM \(partition.sql)"
                + (from == nil ? "" : " WHERE \(column) >= $1::timestamptz"),
            from.map { [PostgresValue($0)] as [PostgresValue?] } ?? [],
            purpose: "count rows in default partition \(partition)"
        ).rows[0]
        return DefaultRows(
            count: try row.int64("n"),
            oldest: try row.optionalDouble("oldest").map(Date.init(timeIntervalSince1970:)),
            newest: try row.optionalDouble("newest").map(Date.init(timeIntervalSince1970:)))
    }

    struct ParentRow {
        var oid: UInt32
        var relkind: String
        var strategy: String?
        var keyCount: Int?
        var keyColumn: String
        var keyTypeName: String?
        var keyType: PartitionKeyType
        var columns: [String]
        var tablespace: String?
    }

    private static func readParents(_ specs: [TableSpec], on connection: PostgresConnection) throws(PostgresError)
        -> [QualifiedName: ParentRow?]
    {
        let request = specs.enumerated().map { index, spec in
            ["i": String(index), "schema": spec.parent.schema, "name": spec.parent.name]
        }
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let result = try connection.query(
            """
            SELECT s.i, c.oid::int8 AS oid, c.relkind::text AS relkind, pt.partstrat::text AS strategy,
                   pt.partnatts::int AS key_count, a.attname::text AS key_column,
                   format_type(a.atttypid, NULL) AS key_type,
                   array_to_json(ARRAY(
                       SELECT col.attname FROM pg_attribute col
                       WHERE col.attrelid = c.oid AND col.attnum > 0 AND NOT col.attisdropped
                         AND col.attgenerated = ''
                       ORDER BY col.attnum))::text AS columns,
                   (SELECT spcname::text FROM pg_tablespace WHERE oid = c.reltablespace) AS tablespace
            FROM jsonb_to_recordset($1::jsonb) AS s(i int, schema text, name text)
            LEFT JOIN pg_namespace n ON n.nspname = s.schema
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.name
            LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
            ORDER BY s.i
            """,
            [.text(json)],
            purpose: "read partitioned tables")
        var parents: [QualifiedName: ParentRow?] = [:]
        for row in result.rows {
            let spec = specs[try row.int("i")]
            guard let oid = try row.optionalInt64("oid") else {
                parents[spec.parent] = .some(nil)
                continue
            }
            let typeName = row["key_type"]
            let columnsJSON = row["columns"] ?? "[]"
            let columns = (try? JSONDecoder().decode([String].self, from: Data(columnsJSON.utf8))) ?? []
            parents[spec.parent] = ParentRow(
                oid: UInt32(oid), relkind: try row.string("relkind"), strategy: row["strategy"],
                keyCount: try row.optionalInt64("key_count").map(Int.init), keyColumn: row["key_column"] ?? "",
                keyTypeName: typeName, keyType: typeName.flatMap(PartitionKeyType.init(rawValue:)) ?? .timestamptz,
                columns: columns, tablespace: row["tablespace"])
        }
        return parents
    }

    private static func validate(_ spec: TableSpec, _ row: ParentRow??) -> Result<ParentRow, TableError> {
        func fail(_ message: String) -> Result<ParentRow, TableError> {
            .failure(TableError(table: spec.parent, message: message))
        }
        guard let row = row ?? nil else { return fail("table does not exist") }
        guard row.relkind == "p" else {
            return fail("not a partitioned table; create it with PARTITION BY RANGE (\(spec.column))")
        }
        guard row.strategy == "r" else {
            let kind = row.strategy == "l" ? "LIST" : row.strategy == "h" ? "HASH" : "an unknown strategy"
            return fail("partitioned by \(kind); partmand maintains RANGE partitioning")
        }
        guard row.keyCount == 1, !row.keyColumn.isEmpty else {
            return fail("the partition key must be a single column (found a multi-column or expression key)")
        }
        guard row.keyColumn == spec.column else {
            return fail("partitioned on column \(row.keyColumn), but the configuration says column \(spec.column)")
        }
        guard let typeName = row.keyTypeName, PartitionKeyType(rawValue: typeName) != nil else {
            return fail(
                "partition key \(row.keyColumn) has type \(row.keyTypeName ?? "?"); partmand maintains "
                    + "timestamp with time zone, timestamp without time zone and date keys")
        }
        return .success(row)
    }

    struct ChildRow {
        var name: QualifiedName
        var isDefault: Bool
        var range: PartitionRange
        var detachPending: Bool
    }

    private static func readPartitions(of parents: [UInt32], on connection: PostgresConnection)
        throws(PostgresError) -> [UInt32: [ChildRow]]
    {
        guard !parents.isEmpty else { return [:] }
        let oids = "{" + parents.map(String.init).joined(separator: ",") + "}"
        // Bounds are printed by pg_get_expr (in the session's UTC time zone) and turned into epochs by
        // the server itself, so no date parsing happens on this side. pg_get_expr gets no relation
        // (bounds hold only constants): given one, it takes a lock on it, and one locked partition would
        // make this query, shared by all tables, wait and fail for every table.
        let result = try connection.query(
            #"""
            SELECT i.inhparent::int8 AS parent, n.nspname::text AS schema, c.relname::text AS name,
                   i.inhdetachpending AS pending, b.expr = 'DEFAULT' AS is_default,
                   CASE WHEN m[1] IN ('MINVALUE', 'MAXVALUE') THEN m[1]
                        ELSE extract(epoch FROM btrim(m[1], '''')::timestamptz)::text END AS lower,
                   CASE WHEN m[2] IN ('MINVALUE', 'MAXVALUE') THEN m[2]
                        ELSE extract(epoch FROM btrim(m[2], '''')::timestamptz)::text END AS upper
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, 0) AS expr) b
            CROSS JOIN LATERAL (SELECT regexp_match(b.expr, '^FOR VALUES FROM \((.+)\) TO \((.+)\)$') AS m) r
            WHERE i.inhparent = ANY($1::oid[])
            ORDER BY 1, 2, 3
            """#,
            [.text(oids)],
            purpose: "read partitions and their bounds")
        var children: [UInt32: [ChildRow]] = [:]
        for row in result.rows {
            let isDefault = try row.bool("is_default")
            let range = PartitionRange(lower: bound(row["lower"]), upper: bound(row["upper"]))
            children[UInt32(try row.int64("parent")), default: []].append(
                ChildRow(
                    name: QualifiedName(schema: try row.string("schema"), name: try row.string("name")),
                    isDefault: isDefault, range: range, detachPending: try row.bool("pending")))
        }
        return children
    }

    private static func bound(_ text: String?) -> RangeBound {
        switch text {
        case "MINVALUE", "-Infinity", nil: .minValue
        case "MAXVALUE", "Infinity": .maxValue
        case let value?: Double(value).map { .value(Date(timeIntervalSince1970: $0)) } ?? .maxValue
        }
    }
}
