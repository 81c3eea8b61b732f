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
    /// How Citus distributes the parent, when the server is a Citus node and the parent is in its metadata.
    public var distribution: CitusDistribution?
    /// The server has the columnar access method (Citus's `citus_columnar`).
    public var columnarAvailable = false
    /// What this read depends on (see `Fingerprint`): an equal fingerprint later means the read still holds.
    var fingerprint: Fingerprint
}

/// The versions of the catalog rows a read of one parent depends on, each read in the same statement as
/// the data it vouches for: the parent's `pg_class` row and its columns' `pg_attribute` rows (the
/// transaction that last wrote each: any column or tablespace change writes one), its partitions (OID,
/// pending detach, and their `pg_class` row version: any ATTACH or DETACH writes one) and, when the
/// ledger existed, its recorded retirements. A change between two statements of a read shows as a
/// mismatch later, never hides one.
struct Fingerprint: Sendable, Equatable {
    var parentVersion: String
    var attributeVersions: String
    var partitionVersions: String
    /// The recorded retirements' partition OIDs; nil when the ledger did not exist at the read.
    var retirements: String?

    /// The ingredients joined by `|` (the ledger's only when covered), as `CatalogReader.stillHoldsCondition`
    /// builds them on the server.
    var text: String {
        ([parentVersion, attributeVersions, partitionVersions] + (retirements.map { [$0] } ?? [])).joined(
            separator: "|")
    }

    /// The ledger ingredient for these partition OIDs.
    static func retirements(_ oids: [UInt32]) -> String {
        oids.sorted().map(String.init).joined(separator: ",")
    }
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
        let (parents, server) = try readParents(specs, on: connection)
        var found: [UInt32: (spec: TableSpec, parent: ParentRow)] = [:]
        for spec in specs {
            switch validate(spec, parents[spec.parent]) {
            case .success(let parent): found[parent.oid] = (spec, parent)
            case .failure(let error): results[spec.parent] = .failure(error)
            }
        }
        let children = try readPartitions(of: Array(found.keys), on: connection)
        let distributions = server.citus ? try readDistributions(of: Array(found.keys), on: connection) : [:]
        let conversions = server.conversions ? try ColumnarLedger.read(parents: Array(found.keys), on: connection) : [:]
        let ledger = try RetirementLedger.exists(on: connection)
        let unfinished = ledger ? try RetirementLedger.read(parents: Array(found.keys), on: connection) : [:]
        let defaults = found.compactMap { oid, entry in
            children[oid]?.first(where: \.isDefault).map {
                (oid: oid, partitionOID: $0.oid, partition: $0.name, key: entry.parent.keyColumn)
            }
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
                    ExistingPartition(
                        name: $0.name, range: $0.range, detachPending: $0.detachPending, accessMethod: $0.accessMethod)
                },
                defaultPartition: defaultPartition, defaultRows: defaultRows,
                unfinishedRetirements: unfinished[oid] ?? [], unfinishedConversions: conversions[oid] ?? [])
            results[entry.spec.parent] = .success(
                TableCatalog(
                    oid: oid, snapshot: snapshot, insertableColumns: entry.parent.columns,
                    tablespace: entry.parent.tablespace, distribution: distributions[oid],
                    columnarAvailable: server.columnar,
                    fingerprint: Fingerprint(
                        parentVersion: entry.parent.version, attributeVersions: entry.parent.attributeVersions,
                        partitionVersions: rows.sorted { $0.oid < $1.oid }.map(\.version).joined(separator: ","),
                        retirements: ledger ? Fingerprint.retirements((unfinished[oid] ?? []).map(\.oid)) : nil)))
        }
        return results
    }

    /// The default partitions' row counts, many per query (those of zero blocks without a scan), when
    /// several are to be counted outside a transaction block; empty (the caller counts one by one, isolating failures) when there is only one,
    /// when inside a transaction, or when a batch fails (one locked or unreadable partition fails its
    /// whole batch). Connection problems are thrown.
    private static func countInBatches(
        _ defaults: [DefaultToCount], on connection: PostgresConnection
    ) throws(PostgresError) -> [UInt32: DefaultRows] {
        guard defaults.count > 1, connection.transactionStatus == .idle else { return [:] }
        var counted: [UInt32: DefaultRows] = [:]
        // A default partition of zero blocks holds no row, committed or not: only the others are counted.
        // (A partition dropped since has no size: it is counted, and that count fails the batch.)
        let sizes: QueryResult
        do {
            sizes = try connection.query(
                """
                SELECT s.i::int AS i, coalesce(pg_relation_size(s.oid) = 0, false) AS empty
                FROM unnest($1::oid[]) WITH ORDINALITY AS s(oid, i)
                """, [.text(oidArray(defaults.map(\.partitionOID)))],
                purpose: "size \(defaults.count) default partitions")
        } catch {
            guard !error.isConnectionProblem else { throw error }
            return [:]
        }
        var occupied: [DefaultToCount] = []
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

    /// Whether `catalog` still describes its table: its fingerprint, read again (one query), is unchanged.
    static func stillHolds(_ catalog: TableCatalog, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try connection.query(
            "SELECT \(stillHoldsCondition(catalog, oid: "$1", expected: "$2")) AS holds",
            [.text(String(catalog.oid)), .text(catalog.fingerprint.text)],
            purpose: "fingerprint \(catalog.snapshot.parent)", prepared: true
        ).rows[0].bool("holds")
    }

    /// An SQL condition, true when `catalog` still describes its table: the fingerprint of the table whose
    /// OID is the parameter `oid`, read again, equals the parameter `expected` (`Fingerprint.text`).
    static func stillHoldsCondition(_ catalog: TableCatalog, oid: String, expected: String) -> String {
        let retirements =
            catalog.fingerprint.retirements == nil
            ? "NULL::text"
            : "coalesce((SELECT string_agg(r.partition_oid::text, ',' ORDER BY r.partition_oid)"
                + " FROM \(RetirementLedger.table.sql) r WHERE r.parent_oid = \(oid)::oid), '')"
        return """
            concat_ws('|', coalesce((SELECT c.xmin::text FROM pg_class c WHERE c.oid = \(oid)::oid), ''),
                      coalesce((SELECT string_agg(a.xmin::text, ',' ORDER BY a.attnum)
                                FROM pg_attribute a WHERE a.attrelid = \(oid)::oid AND a.attnum > 0), ''),
                      coalesce((SELECT string_agg(\(partitionVersion), ',' ORDER BY i.inhrelid)
                                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                                WHERE i.inhparent = \(oid)::oid), ''),
                      \(retirements)) = \(expected)
            """
    }

    /// A partition's row version for the fingerprint (over `pg_inherits i` and the partition's `pg_class c`).
    private static let partitionVersion = "i.inhrelid::text || ':' || i.inhdetachpending::text || ':' || c.xmin::text"

    /// `partitionVersion` from its parts as read (the read sends them apart: cheaper than text built on
    /// the server for every partition).
    private static func partitionVersion(oid: UInt32, detachPending: Bool, xmin: String) -> String {
        "\(oid):\(detachPending):\(xmin)"
    }

    /// `{1,2,3}`: OIDs as an array parameter.
    private static func oidArray(_ oids: [UInt32]) -> String {
        "{" + oids.map(String.init).joined(separator: ",") + "}"
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
        /// The parent's `pg_class` row version and its columns' (for the fingerprint).
        var version: String
        var attributeVersions: String
    }

    /// A default partition to count, of the parent `oid`.
    private typealias DefaultToCount = (oid: UInt32, partitionOID: UInt32, partition: QualifiedName, key: String)

    /// What the parents' read also tells about the server: Citus's metadata is there (a Citus node), the
    /// columnar access method is there.
    struct ServerCatalog {
        var citus = false
        var columnar = false
        /// partmand's columnar conversion ledger exists.
        var conversions = false
    }

    private static func readParents(_ specs: [TableSpec], on connection: PostgresConnection) throws(PostgresError)
        -> (parents: [QualifiedName: ParentRow?], server: ServerCatalog)
    {
        let result = try connection.query(
            """
            SELECT s.i::int AS i, c.oid::int8 AS oid, c.relkind::text AS relkind, pt.partstrat::text AS strategy,
                   pt.partnatts::int AS key_count, a.attname::text AS key_column,
                   format_type(a.atttypid, NULL) AS key_type, cols.columns, cols.versions AS attribute_versions,
                   (SELECT spcname::text FROM pg_tablespace WHERE oid = c.reltablespace) AS tablespace,
                   c.xmin::text AS version, server.citus, server.columnar, server.conversions
            FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS s(schema, name, i)
            CROSS JOIN (
                SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS citus,
                       EXISTS (SELECT 1 FROM pg_am WHERE amname = 'columnar') AS columnar,
                       to_regclass($3) IS NOT NULL AS conversions) server
            -- By name through the index, one table at a time (OFFSET 0 keeps the planner from hashing
            -- all of pg_class, which costs more than the rest of the read in a database of many partitions).
            LEFT JOIN LATERAL (
                SELECT k.oid, k.xmin, k.relkind, k.reltablespace FROM pg_class k
                WHERE k.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = s.schema)
                  AND k.relname = s.name
                OFFSET 0) c ON true
            LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
            LEFT JOIN LATERAL (
                SELECT array_to_json(array_agg(v.attname ORDER BY v.attnum)
                                     FILTER (WHERE NOT v.attisdropped AND v.attgenerated = ''))::text AS columns,
                       string_agg(v.xmin::text, ',' ORDER BY v.attnum) AS versions
                FROM pg_attribute v WHERE v.attrelid = c.oid AND v.attnum > 0) cols ON true
            ORDER BY s.i
            """,
            [
                .textArray(specs.map(\.parent.schema)), .textArray(specs.map(\.parent.name)),
                .text(ColumnarLedger.table.sql),
            ],
            purpose: "read partitioned tables")
        var parents: [QualifiedName: ParentRow?] = [:]
        var server = ServerCatalog()
        if let first = result.rows.first {
            server = ServerCatalog(
                citus: try first.bool("citus"), columnar: try first.bool("columnar"),
                conversions: try first.bool("conversions"))
        }
        for row in result.rows {
            let spec = specs[try row.int("i") - 1]
            guard let oid = try row.optionalInt64("oid") else {
                parents[spec.parent] = .some(nil)
                continue
            }
            let typeName = row["key_type"]
            let columns = row["columns"].flatMap(JSONStringArray.parse) ?? []
            parents[spec.parent] = ParentRow(
                oid: UInt32(oid), relkind: try row.string("relkind"), strategy: row["strategy"],
                keyCount: try row.optionalInt64("key_count").map(Int.init), keyColumn: row["key_column"] ?? "",
                keyTypeName: typeName, keyType: typeName.flatMap(PartitionKeyType.init(rawValue:)) ?? .timestamptz,
                columns: columns, tablespace: row["tablespace"], version: row["version"] ?? "",
                attributeVersions: row["attribute_versions"] ?? "")
        }
        return (parents, server)
    }

    /// How Citus distributes the parents whose OIDs are `oids` (those in its metadata), on a Citus node.
    private static func readDistributions(of oids: [UInt32], on connection: PostgresConnection)
        throws(PostgresError) -> [UInt32: CitusDistribution]
    {
        guard !oids.isEmpty else { return [:] }
        let result = try connection.query(
            """
            SELECT p.logicalrelid::oid::int8 AS oid, p.partmethod::text AS method, p.repmodel::text AS model,
                   p.colocationid::int8 AS colocation,
                   CASE WHEN p.partmethod = 'h' THEN column_to_column_name(p.logicalrelid, p.partkey) END AS column,
                   (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid)::int8 AS shards
            FROM pg_dist_partition p
            WHERE p.logicalrelid::oid = ANY($1::oid[])
            """,
            [.text(oidArray(oids))], purpose: "read how Citus distributes \(oids.count) table(s)")
        var distributions: [UInt32: CitusDistribution] = [:]
        for row in result.rows {
            distributions[UInt32(try row.int64("oid"))] = CitusDistribution(
                kind: CitusDistribution.kind(
                    partitionMethod: try row.string("method"), replicationModel: try row.string("model")),
                column: row["column"], shardCount: Int(try row.int64("shards")),
                colocationID: Int(try row.int64("colocation")))
        }
        return distributions
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
        var oid: UInt32
        var name: QualifiedName
        var isDefault: Bool
        var range: PartitionRange
        var detachPending: Bool
        /// The table access method (`heap`, `columnar`…).
        var accessMethod: String?
        /// For the fingerprint.
        var version: String
    }

    private static func readPartitions(of parents: [UInt32], on connection: PostgresConnection)
        throws(PostgresError) -> [UInt32: [ChildRow]]
    {
        guard !parents.isEmpty else { return [:] }
        // Bounds are printed by pg_get_expr (in the session's UTC time zone) and read here
        // (PartitionBoundText); the server converts only what that does not read. pg_get_expr gets no
        // relation (bounds hold only constants): given one, it takes a lock on it, and one locked
        // partition would make this query, shared by all tables, wait and fail for every table. No ORDER
        // BY: TableSnapshot orders partitions by their bounds (sorting 5,000 rows here cost a quarter of
        // the query).
        let result = try connection.query(
            """
            SELECT i.inhparent::int8 AS parent, i.inhrelid::int8 AS oid, n.nspname::text AS schema,
                   c.relname::text AS name, i.inhdetachpending AS pending, pg_get_expr(c.relpartbound, 0) AS bound,
                   c.xmin::text AS xmin, am.amname::text AS access_method
            FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_am am ON am.oid = c.relam
            WHERE i.inhparent = ANY($1::oid[])
            """,
            [.text(oidArray(parents))],
            purpose: "read partitions and their bounds")
        var parsed: [(parent: UInt32, row: ChildRow, lower: PartitionBoundText.Side, upper: PartitionBoundText.Side)] =
            []
        var literals: Set<String> = []
        for row in result.rows {
            let name = QualifiedName(schema: try row.string("schema"), name: try row.string("name"))
            let oid = UInt32(try row.int64("oid"))
            let pending = try row.bool("pending")
            var child = ChildRow(
                oid: oid, name: name, isDefault: false,
                range: PartitionRange(lower: .minValue, upper: .maxValue), detachPending: pending,
                accessMethod: row["access_method"],
                version: Self.partitionVersion(oid: oid, detachPending: pending, xmin: try row.string("xmin")))
            let (lower, upper): (PartitionBoundText.Side, PartitionBoundText.Side)
            switch PartitionBoundText.parse(row["bound"] ?? "") {
            case .default?:
                child.isDefault = true
                (lower, upper) = (.bound(.minValue), .bound(.maxValue))
            case .range(let from, let to)?: (lower, upper) = (from, to)
            case nil:
                // Not a range bound (the parent is not range-partitioned): validation refused it already.
                (lower, upper) = (.bound(.minValue), .bound(.maxValue))
            }
            for case .literal(let text) in [lower, upper] { literals.insert(text) }
            parsed.append((UInt32(try row.int64("parent")), child, lower, upper))
        }
        let converted = try epochs(of: Array(literals), on: connection)
        var children: [UInt32: [ChildRow]] = [:]
        for (parent, row, lower, upper) in parsed {
            var child = row
            child.range = PartitionRange(lower: bound(lower, converted), upper: bound(upper, converted))
            children[parent, default: []].append(child)
        }
        return children
    }

    /// The bound values the server must read itself (infinity, BC…), as bounds, in one query.
    private static func epochs(of literals: [String], on connection: PostgresConnection) throws(PostgresError)
        -> [String: RangeBound]
    {
        guard !literals.isEmpty else { return [:] }
        let result = try connection.query(
            "SELECT s.text, extract(epoch FROM s.text::timestamptz)::text AS epoch FROM unnest($1::text[]) AS s(text)",
            [.textArray(literals)], purpose: "read \(literals.count) partition bound value(s)")
        var bounds: [String: RangeBound] = [:]
        for row in result.rows {
            let epoch = row["epoch"]
            bounds[try row.string("text")] =
                switch epoch {
                case "-Infinity": .minValue
                case "Infinity": .maxValue
                default: epoch.flatMap(Double.init).map { .value(Date(timeIntervalSince1970: $0)) } ?? .maxValue
                }
        }
        return bounds
    }

    private static func bound(_ side: PartitionBoundText.Side, _ converted: [String: RangeBound]) -> RangeBound {
        switch side {
        case .bound(let bound): bound
        case .literal(let text): converted[text] ?? .maxValue
        }
    }
}
