import Foundation
import Logging
import PartmandCore
import PartmandPostgres

/// Carries out planned actions for one table on one connection: each action in its own transaction
/// with `lock_timeout` and `statement_timeout`, retried with backoff on lock timeouts and deadlocks.
final class ActionExecutor {
    let connection: PostgresConnection
    let catalog: TableCatalog
    let settings: MaintenanceSettings
    let stop: StopSignal
    let now: Date
    let logger: Logger
    /// Counts the retries, for the table's report.
    let tally: RetryTally?
    /// The default partition as it is now: the pass may have created it.
    private var defaultPartition: QualifiedName?

    init(
        connection: PostgresConnection, catalog: TableCatalog, settings: MaintenanceSettings, stop: StopSignal,
        now: Date, logger: Logger, tally: RetryTally? = nil
    ) {
        self.tally = tally
        self.connection = connection
        self.catalog = catalog
        self.settings = settings
        self.stop = stop
        self.now = now
        self.logger = logger
        defaultPartition = catalog.snapshot.defaultPartition
    }

    private var snapshot: TableSnapshot { catalog.snapshot }
    private var parent: QualifiedName { catalog.snapshot.parent }

    /// Creates `new` (LIKE + CHECK + move of default rows + ATTACH, one transaction); returns the rows moved.
    /// Used by the pg_partman driver to clear the default partition before pg_partman runs.
    func createPartition(_ new: NewPartition) throws -> Int {
        try create(new)
    }

    /// Runs `action`; returns how many rows were moved out of the default partition.
    func execute(_ action: MaintenanceAction) throws -> Int {
        switch action {
        case .createPartition(let new): return try create(new)
        case .createDefaultPartition(let name):
            try createDefault(name)
            defaultPartition = name
            return 0
        case .retirePartition(let retired):
            try retire(retired)
            return 0
        case .finishRetirement(let unfinished):
            try finish(unfinished)
            return 0
        case .convertToColumnar(let partition):
            return try convertToColumnar(partition)
        case .finishConversion(let unfinished):
            return try finishConversion(unfinished)
        }
    }

    // MARK: - Create

    private static let boundsConstraint = "partmand_bounds"

    /// ` TABLESPACE "…"` when the parent has its own tablespace (LIKE does not carry it over).
    private var tablespaceClause: String {
        catalog.tablespace.map { " TABLESPACE \(SQL.identifier($0))" } ?? ""
    }

    /// `CREATE TABLE … (LIKE parent)` and `ATTACH PARTITION` (SHARE UPDATE EXCLUSIVE on the parent only),
    /// in one transaction. When the default partition holds rows of the new range (one indexed probe
    /// tells, in the query that quotes the bounds), they are moved into the new table first, and a CHECK
    /// matching the bounds, added before and dropped after, spares ATTACH a scan of the rows moved: ATTACH
    /// never meets those rows in the default partition, and on failure nothing is left behind. A new
    /// table with nothing to move is empty, so ATTACH's check of it costs nothing and no CHECK is made.
    private func create(_ new: NewPartition) throws -> Int {
        try inTransaction("create partition \(new.name)") { try attach(new, creating: true) }
    }

    /// Attaches `new` for its range, in the caller's transaction: made first (`creating`), or a table that
    /// already holds rows (a columnar conversion's), which must carry its bounds CHECK already
    /// (`addBoundsCheck`) so that ATTACH does not scan it while holding its locks; the CHECK is dropped
    /// once attached. Returns the rows moved from the default partition.
    private func attach(_ new: NewPartition, creating: Bool) throws -> Int {
        var sql = "SELECT \(BoundLiterals.selectList)"
        var parameters = BoundLiterals.parameters(new.range, keyType: snapshot.keyType)
        if let defaultPartition {
            let range = keyConditions(new.range, after: parameters.count)
            sql += ", EXISTS (SELECT 1 FROM \(defaultPartition.sql) WHERE \(range.sql)) AS occupied"
            parameters += range.parameters
        }
        let probe = try connection.query(
            sql, parameters, purpose: "quote the bounds of \(new.name), probe the default partition"
        ).rows[0]
        let bounds = BoundLiterals(probe)
        let occupied = defaultPartition != nil && probe["occupied"] == "t"
        if creating {
            try connection.execute(
                "CREATE TABLE \(new.name.sql) (LIKE \(parent.sql) \(PartitionDDL.likeOptions))\(tablespaceClause)",
                purpose: "create table \(new.name)")
        }
        var moved = 0
        let checked = occupied || !creating
        if occupied && creating { try addBoundsCheck(new.name, bounds) }
        if occupied, let defaultPartition { moved = try moveDefaultRows(from: defaultPartition, into: new) }
        try connection.execute(
            "ALTER TABLE \(parent.sql) ATTACH PARTITION \(new.name.sql)"
                + " FOR VALUES FROM (\(bounds.lower)) TO (\(bounds.upper))",
            purpose: "attach partition \(new.name)")
        try checkColocated(new.name)
        if checked {
            try connection.execute(
                "ALTER TABLE \(new.name.sql) DROP CONSTRAINT \(SQL.identifier(Self.boundsConstraint))",
                purpose: "drop bounds check of \(new.name)")
        }
        return moved
    }

    /// Adds the CHECK that matches `bounds` to the table `name`.
    private func addBoundsCheck(_ name: QualifiedName, _ bounds: BoundLiterals) throws {
        let key = SQL.identifier(snapshot.keyColumn)
        var checks = ["\(key) IS NOT NULL"]
        if let lower = bounds.lowerValue { checks.append("\(key) >= \(lower)") }
        if let upper = bounds.upperValue { checks.append("\(key) < \(upper)") }
        try connection.execute(
            "ALTER TABLE \(name.sql) ADD CONSTRAINT \(SQL.identifier(Self.boundsConstraint))"
                + " CHECK (\(checks.joined(separator: " AND ")))",
            purpose: "add bounds check to \(name)")
    }

    /// `key >= $n AND key < $n+1` for the finite bounds of `range`, numbered after `count` parameters.
    private func keyConditions(_ range: PartitionRange, after count: Int) -> (sql: String, parameters: [PostgresValue?])
    {
        let key = SQL.identifier(snapshot.keyColumn)
        var conditions: [String] = []
        var parameters: [PostgresValue?] = []
        if let lower = range.lower.date {
            parameters.append(.text(snapshot.keyType.text(for: lower)))
            conditions.append("\(key) >= $\(count + parameters.count)")
        }
        if let upper = range.upper.date {
            parameters.append(.text(snapshot.keyType.text(for: upper)))
            conditions.append("\(key) < $\(count + parameters.count)")
        }
        return (conditions.isEmpty ? "true" : conditions.joined(separator: " AND "), parameters)
    }

    /// Moves the default partition's rows of `new`'s range into the new table; returns the count.
    private func moveDefaultRows(from defaultPartition: QualifiedName, into new: NewPartition) throws
        -> Int
    {
        let range = keyConditions(new.range, after: 0)
        let columns = catalog.insertableColumns.map(SQL.identifier).joined(separator: ", ")
        let result = try connection.query(
            "WITH moved AS (DELETE FROM \(defaultPartition.sql) WHERE \(range.sql)"
                + " RETURNING \(columns)) INSERT INTO \(new.name.sql) (\(columns)) SELECT \(columns) FROM moved",
            range.parameters,
            purpose: "move rows of \(new.range) from \(defaultPartition) into \(new.name)")
        return result.affectedRows ?? 0
    }

    private func createDefault(_ name: QualifiedName) throws {
        try inTransaction("create default partition \(name)") {
            try connection.execute(
                "CREATE TABLE \(name.sql) (LIKE \(parent.sql) \(PartitionDDL.likeOptions))\(tablespaceClause)",
                purpose: "create table \(name)")
            try connection.execute(
                "ALTER TABLE \(parent.sql) ATTACH PARTITION \(name.sql) DEFAULT",
                purpose: "attach default partition \(name)")
            try checkColocated(name)
        }
    }

    // MARK: - Citus

    /// On a distributed parent, checks (before the creating transaction commits) that Citus distributed
    /// the attached partition `name` in the parent's colocation group; refuses, rolling the creation
    /// back, when it did not.
    private func checkColocated(_ name: QualifiedName) throws {
        guard let distribution = catalog.distribution, distribution.kind == .distributed else { return }
        let row = try connection.query(
            """
            SELECT p.colocationid::int8 AS colocation, p.partmethod::text AS method
            FROM pg_dist_partition p WHERE p.logicalrelid = to_regclass($1)
            """, [.text(name.sql)], purpose: "check \(name) is distributed with \(parent)"
        ).rows.first
        guard let row, try row.string("method") == "h" else {
            throw refusal("refusing to create \(name): Citus did not distribute it like its parent \(parent)")
        }
        let colocation = Int(try row.int64("colocation"))
        guard colocation == distribution.colocationID else {
            throw refusal(
                "refusing to create \(name): Citus put it in colocation group \(colocation), its parent \(parent)"
                    + " is in \(distribution.colocationID)")
        }
    }

    /// Rewrites `partition` with the columnar access method, in steps that never make an INSERT wait for
    /// the copy: Citus locks every partition for an INSERT through the parent, so converting the partition
    /// in place (`alter_table_set_access_method` on it) holds writers for the whole copy, and under a
    /// steady stream of them its final DETACH times out or deadlocks (benchmarks/citus-lockwait.sh).
    /// Instead: the conversion is recorded in partmand's ledger; the partition is detached (a plain
    /// DETACH under exclusive_lock_timeout, like a retirement); the standalone table is converted; it is
    /// attached again for its range (rows that reached the default partition meanwhile moved in first)
    /// and the record cleared in that transaction. Meanwhile reads through the parent do not see the
    /// partition's rows. A kill at any point leaves a record that the next pass finishes.
    /// Returns the rows moved from the default partition.
    private func convertToColumnar(_ partition: ExistingPartition) throws -> Int {
        guard partition.range.upper <= .value(now) else {
            throw refusal("refusing to convert \(partition.name): its range \(partition.range) is not in the past")
        }
        try ColumnarLedger.create(on: connection)
        try inTransaction("record the columnar conversion of \(partition.name)") {
            try ColumnarLedger.record(partition, parentOID: catalog.oid, on: connection)
        }
        try detachForConversion(partition.name)
        return try finishConversion(
            UnfinishedConversion(
                name: partition.name, range: partition.range, state: .detached, accessMethod: partition.accessMethod,
                since: now))
    }

    /// Carries a recorded conversion on from where it stands; returns the rows moved from the default
    /// partition.
    private func finishConversion(_ unfinished: UnfinishedConversion) throws -> Int {
        switch unfinished.state {
        case .gone:
            logger.warning(
                "the table of a recorded columnar conversion is gone; clearing the record",
                metadata: ["partition": "\(unfinished.name)"])
            try forgetConversion(unfinished.name)
            return 0
        case .attached where unfinished.accessMethod == ExistingPartition.columnar:
            try forgetConversion(unfinished.name)
            return 0
        case .attached:
            try detachForConversion(unfinished.name)
        case .detached:
            break
        }
        if unfinished.accessMethod != ExistingPartition.columnar {
            // The standalone table: nobody writes to it through the parent any more.
            try inTransaction("convert \(unfinished.name) to columnar") {
                _ = try connection.query(
                    "SELECT alter_table_set_access_method($1::regclass, $2)",
                    [.text(unfinished.name.sql), .text(ExistingPartition.columnar)],
                    purpose: "convert \(unfinished.name) to columnar")
            }
        }
        // The bounds CHECK, scanning the table on its own (ATTACH then need not scan it under its locks).
        try inTransaction("check the bounds of \(unfinished.name)") {
            let present = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2) AS p",
                [.text(unfinished.name.sql), .text(Self.boundsConstraint)],
                purpose: "look for the bounds check of \(unfinished.name)"
            ).rows[0]
            guard try !present.bool("p") else { return }
            try addBoundsCheck(
                unfinished.name, try BoundLiterals(unfinished.range, keyType: snapshot.keyType, on: connection))
        }
        // The default partition is locked first: rows of this range that writers send there meanwhile
        // would make ATTACH fail; the ones already there are moved in.
        return try inTransaction("attach \(unfinished.name) again", lockTimeout: settings.exclusiveLockTimeout) {
            if let defaultPartition {
                try connection.execute(
                    "LOCK TABLE \(defaultPartition.sql) IN ACCESS EXCLUSIVE MODE",
                    purpose: "lock default partition \(defaultPartition)")
            }
            let moved = try attach(NewPartition(name: unfinished.name, range: unfinished.range), creating: false)
            try ColumnarLedger.forget(unfinished.name, on: connection)
            return moved
        }
    }

    private func forgetConversion(_ name: QualifiedName) throws {
        try inTransaction("clear the columnar conversion record of \(name)") {
            try ColumnarLedger.forget(name, on: connection)
        }
    }

    /// A plain DETACH (ACCESS EXCLUSIVE on the parent: under exclusive_lock_timeout, retried).
    private func detachForConversion(_ name: QualifiedName) throws {
        try inTransaction("detach \(name) for its columnar conversion", lockTimeout: settings.exclusiveLockTimeout) {
            try connection.execute(
                "ALTER TABLE \(parent.sql) DETACH PARTITION \(name.sql)", purpose: "detach partition \(name)")
        }
    }

    // MARK: - Retire

    /// Detaches (CONCURRENTLY when the table has no default partition and is not a Citus table, so
    /// readers and writers never wait; plainly under exclusive_lock_timeout otherwise), then drops, keeps,
    /// or moves the detached table.
    /// A retirement that takes more than one transaction is recorded in the ledger first and cleared
    /// in the transaction that finishes it, so a kill at any point leaves work the next pass finds.
    private func retire(_ retired: RetiredPartition) throws {
        guard retired.range.upper <= .value(now) else {
            throw refusal("refusing to retire \(retired.name): its range \(retired.range) is not in the past")
        }
        if case .archive(let schema) = retired.action {
            try checkArchiveTarget(QualifiedName(schema: schema, name: retired.name.name), for: retired.name)
        }
        if (defaultPartition != nil || catalog.distribution != nil) && !retired.finishPendingDetach {
            // A plain DETACH needs ACCESS EXCLUSIVE on the parent: inserts queue behind it while it waits.
            // PostgreSQL refuses DETACH … CONCURRENTLY beside a default partition; Citus refuses it on its
            // tables.
            try inTransaction("\(retired.action) \(retired.name)", lockTimeout: settings.exclusiveLockTimeout) {
                try connection.execute(
                    "ALTER TABLE \(parent.sql) DETACH PARTITION \(retired.name.sql)",
                    purpose: "detach partition \(retired.name)")
                try dispose(retired.name, retired.action)
            }
            return
        }
        try RetirementLedger.create(on: connection)
        let oid = try inTransaction("record the retirement of \(retired.name)") {
            try RetirementLedger.record(retired, of: parent, on: connection)
        }
        if retired.finishPendingDetach {
            try finalizeDetach(retired.name)
        } else {
            try detachConcurrently(retired.name, recorded: oid)
        }
        try inTransaction("\(retired.action) \(retired.name)") {
            try dispose(retired.name, retired.action)
            try RetirementLedger.forget(oid, on: connection)
        }
    }

    /// Finishes a retirement an earlier pass recorded: a detached table is dropped or archived as
    /// recorded; a record whose table is gone or still attached is cleared.
    private func finish(_ unfinished: UnfinishedRetirement) throws {
        guard unfinished.state == .detached else {
            try inTransaction("clear the retirement record of \(unfinished.name)") {
                try RetirementLedger.forget(unfinished.oid, on: connection)
            }
            return
        }
        if case .archive(let schema) = unfinished.action {
            try checkArchiveTarget(QualifiedName(schema: schema, name: unfinished.name.name), for: unfinished.name)
        }
        try inTransaction("\(unfinished.action) \(unfinished.name)") {
            try dispose(unfinished.name, unfinished.action)
            try RetirementLedger.forget(unfinished.oid, on: connection)
        }
    }

    private func checkArchiveTarget(_ target: QualifiedName, for name: QualifiedName) throws {
        let exists = try connection.query(
            "SELECT to_regclass($1) IS NOT NULL AS taken", [.text(target.sql)],
            purpose: "check archive target \(target)"
        ).rows[0]
        if try exists.bool("taken") {
            throw refusal("refusing to archive \(name): \(target) already exists")
        }
    }

    /// Drops, keeps, or archives a table that is no longer a partition.
    private func dispose(_ name: QualifiedName, _ action: RetentionAction) throws {
        switch action {
        case .drop:
            let row = try connection.query(
                "SELECT relispartition FROM pg_class WHERE oid = to_regclass($1)", [.text(name.sql)],
                purpose: "check \(name) is detached"
            ).rows.first
            if let row, try row.bool("relispartition") {
                throw refusal("refusing to drop \(name): it is still a partition")
            }
            try connection.execute("DROP TABLE \(name.sql)", purpose: "drop table \(name)")
        case .detach:
            break
        case .archive(let schema):
            try connection.execute(
                "CREATE SCHEMA IF NOT EXISTS \(SQL.identifier(schema))", purpose: "create archive schema \(schema)")
            try connection.execute(
                "ALTER TABLE \(name.sql) SET SCHEMA \(SQL.identifier(schema))",
                purpose: "move \(name) to schema \(schema)")
        }
    }

    /// `DETACH PARTITION … CONCURRENTLY` cannot run in a transaction block. Its wait for older
    /// transactions counts against lock_timeout but blocks nobody, so it gets the statement timeout.
    /// When it is interrupted the partition is left pending detach, which FINALIZE completes (now, or
    /// on the next pass when partmand is stopping). When it never took effect, the record is cleared.
    private func detachConcurrently(_ name: QualifiedName, recorded oid: UInt32) throws {
        do {
            try outsideTransaction("detach \(name) concurrently", lockTimeout: settings.statementTimeout) {
                try connection.execute(
                    "ALTER TABLE \(parent.sql) DETACH PARTITION \(name.sql) CONCURRENTLY",
                    purpose: "detach partition \(name) concurrently")
            }
        } catch {
            guard connection.isOpen, !stop.isStopped else { throw error }
            guard try isPendingDetach(name) else {
                try? RetirementLedger.forget(oid, on: connection)
                throw error
            }
            logger.warning(
                "concurrent detach was interrupted; finishing it",
                metadata: ["partition": "\(name)", "error": "\(error)"])
            try finalizeDetach(name)
        }
    }

    private func finalizeDetach(_ name: QualifiedName) throws {
        guard !stop.isStopped else { throw refusal("not finishing the detach of \(name): shutting down") }
        try outsideTransaction("finish detaching \(name)", lockTimeout: settings.statementTimeout) {
            try connection.execute(
                "ALTER TABLE \(parent.sql) DETACH PARTITION \(name.sql) FINALIZE",
                purpose: "finish detaching partition \(name)")
        }
    }

    private func isPendingDetach(_ name: QualifiedName) throws -> Bool {
        try connection.query(
            "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhdetachpending) AS p",
            [.text(name.sql)], purpose: "check pending detach of \(name)"
        ).rows[0].bool("p")
    }

    // MARK: - Transactions, timeouts, retries

    /// The executor works under the table's lock, which set the session's timeouts (`TableLock.acquire`).
    private var runner: TransactionRunner {
        var runner = TransactionRunner(connection: connection, settings: settings, stop: stop, logger: logger)
        runner.sessionTimeouts = true
        runner.tally = tally
        runner.propagatesToWorkers = catalog.distribution != nil
        return runner
    }

    private func inTransaction<T>(_ purpose: String, lockTimeout: Duration? = nil, _ body: () throws -> T) throws -> T {
        try runner.inTransaction(purpose, lockTimeout: lockTimeout, body)
    }

    private func outsideTransaction<T>(_ purpose: String, lockTimeout: Duration, _ body: () throws -> T) throws -> T {
        try runner.outsideTransaction(purpose, lockTimeout: lockTimeout, body)
    }

    private func refusal(_ message: String) -> Refusal {
        Refusal(message: message)
    }
}

/// A safety check that stopped an action before it changed anything.
struct Refusal: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
