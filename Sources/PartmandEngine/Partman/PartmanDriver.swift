import Foundation
import Logging
import PartmandCore
import PartmandPostgres

/// Maintains one pg_partman set, under partmand's advisory lock on the parent: checks the default
/// partition, moves stranded rows when allowed, then calls pg_partman's `run_maintenance` for that set
/// alone, in its own transaction with partmand's timeouts and retries.
struct PartmanDriver {
    let connection: PostgresConnection
    let partman: PartmanExtension
    let settings: MaintenanceSettings
    let jobmon: Bool
    let stop: StopSignal
    let now: Date
    let logger: Logger
    /// Counts the retries, for the set's report.
    var tally: RetryTally? = nil

    /// What part_config and the catalog say about a set before maintenance.
    struct Inspection: Sendable {
        /// The pg_partman it was read with.
        var partman: PartmanExtension
        var set: PartmanSet
        var catalog: TableCatalog
        var findings: [Finding]
        /// Default-partition rows at or after the end of the last partition (they break pg_partman's ATTACH).
        var blocking: DefaultRows?
        /// Default-partition rows not older than the retention cutoff: those `default_rows: move` moves.
        var movable: DefaultRows?
        /// now − retention, when the set has a retention.
        var cutoff: Date?

        /// Whether partmand has work to do before pg_partman's call under `defaultRows`: default-partition
        /// rows to move, or rows blocking pg_partman's ATTACH to refuse on.
        func needsWorkFirst(_ defaultRows: DefaultRowsPolicy) -> Bool {
            switch defaultRows {
            case .refuse: blocking != nil
            case .move: (movable?.count ?? 0) > 0
            }
        }
    }

    /// Reads the set's part_config row and catalog and computes the findings (premake shortfall, retention
    /// due, default rows). Throws a TableError when the set is not registered or not range-partitioned.
    static func inspect(_ spec: TableSpec, partman: PartmanExtension, now: Date, on connection: PostgresConnection)
        throws -> Inspection
    {
        try inspect([spec], partman: partman, now: now, on: connection)[spec.parent]!.get()
    }

    /// `inspect` for many sets at once, in a constant number of queries (plus two per set whose default
    /// partition holds rows). A set that is not registered, not range-partitioned, or whose default
    /// partition cannot be read (with `isolatingFailures`, see `CatalogReader.read`) fails alone.
    static func inspect(
        _ specs: [TableSpec], partman: PartmanExtension, now: Date, isolatingFailures: Bool = false,
        on connection: PostgresConnection
    ) throws -> [QualifiedName: Result<Inspection, TableError>] {
        var results: [QualifiedName: Result<Inspection, TableError>] = [:]
        let sets = try PartmanSets.read(partman, parents: specs.map(\.parent), on: connection)
        var registered: [(spec: TableSpec, set: PartmanSet)] = []
        for spec in specs {
            let table = PartmanSet.parentTable(spec.parent)
            guard let set = sets[table] else {
                results[spec.parent] = .failure(
                    TableError(
                        table: spec.parent,
                        message:
                            "not registered with pg_partman (no row in \(partman.schema).part_config for '\(table)');"
                            + " register it with partmand setup"))
                continue
            }
            registered.append((spec, set))
        }
        let catalogs = try CatalogReader.read(
            registered.map { entry in
                var catalogSpec = entry.spec
                catalogSpec.column = entry.set.control
                return catalogSpec
            }, isolatingFailures: isolatingFailures, on: connection)
        let retentions = try retentionSpans(Set(registered.compactMap(\.set.retention)), on: connection)
        for (spec, set) in registered {
            let catalog: TableCatalog
            switch catalogs[spec.parent]! {
            case .failure(let error):
                results[spec.parent] = .failure(error)
                continue
            case .success(let read): catalog = read
            }
            let snapshot = catalog.snapshot
            let retention: IntervalSpan?
            switch set.retention.flatMap({ retentions[$0] }) {
            case .failure(let error)?:
                results[spec.parent] = .failure(TableError(table: spec.parent, error))
                continue
            case .success(let span)?: retention = span
            case nil: retention = nil
            }
            let review = PartmanReview.review(snapshot, premake: set.premake, retention: retention, now: now)
            var inspection = Inspection(
                partman: partman, set: set, catalog: catalog, findings: review.findings, cutoff: review.cutoff)
            if let defaultPartition = snapshot.defaultPartition, let rows = snapshot.defaultRows, rows.count > 0 {
                inspection.findings.append(.defaultRows(rows))
                let lastUpper = snapshot.partitions.map(\.range.upper).max()
                let blocking = try CatalogReader.defaultRows(
                    in: defaultPartition, key: snapshot.keyColumn, from: lastUpper?.date, on: connection)
                if blocking.count > 0 {
                    inspection.blocking = blocking
                    inspection.findings.append(.defaultRowsBlockAttach(blocking))
                }
                inspection.movable = try CatalogReader.defaultRows(
                    in: defaultPartition, key: snapshot.keyColumn, from: review.cutoff, on: connection)
            }
            results[spec.parent] = .success(inspection)
        }
        return results
    }

    /// `intervals` for every retention at once; outside a transaction block, a batch the server refuses
    /// (one unreadable retention) is read again one retention at a time, so only its sets fail.
    private static func retentionSpans(_ texts: Set<String>, on connection: PostgresConnection)
        throws(PostgresError) -> [String: Result<IntervalSpan, PostgresError>]
    {
        do {
            return try intervals(texts, on: connection).mapValues { .success($0) }
        } catch {
            guard !error.isConnectionProblem, connection.transactionStatus == .idle, texts.count > 1 else {
                throw error
            }
        }
        var spans: [String: Result<IntervalSpan, PostgresError>] = [:]
        for text in texts {
            do {
                spans[text] = .success(try intervals([text], on: connection)[text]!)
            } catch {
                guard !error.isConnectionProblem else { throw error }
                spans[text] = .failure(error)
            }
        }
        return spans
    }

    /// part_config intervals (such as the retention, `6 months`) as the server reads them, in one query:
    /// PostgreSQL's interval syntax is the server's to parse; what it means for partitions is
    /// `PartmanReview`'s rule.
    static func intervals(_ texts: Set<String>, on connection: PostgresConnection) throws(PostgresError)
        -> [String: IntervalSpan]
    {
        guard !texts.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT s.text, (extract(year FROM i) * 12 + extract(month FROM i))::int8 AS months,
                   extract(day FROM i)::int8 AS days,
                   (((extract(hour FROM i) * 60 + extract(minute FROM i)) * 60 + extract(second FROM i)) * 1000000)::int8
                       AS micros
            FROM unnest($1::text[]) AS s(text) CROSS JOIN LATERAL (SELECT s.text::interval AS i) AS v
            """,
            [.textArray(texts.sorted())], purpose: "read pg_partman retention intervals"
        ).rows
        var spans: [String: IntervalSpan] = [:]
        for row in rows {
            spans[try row.string("text")] = IntervalSpan(
                months: Int(try row.int64("months")), days: Int(try row.int64("days")),
                microseconds: try row.int64("micros"))
        }
        return spans
    }

    /// Whether `maintainInOneStatement` may be tried: the pass's first read found nothing to do before
    /// pg_partman's call, and the server tells whether a transaction wrote (PostgreSQL 13 and later).
    func canMaintainInOneStatement(_ spec: TableSpec, surveyed: Inspection) -> Bool {
        !surveyed.needsWorkFirst(spec.defaultRows) && connection.serverVersionNumber >= 130000 && !stop.isStopped
    }

    /// Maintains a set whose first read (`surveyed`) found nothing to do before pg_partman's call, in one
    /// statement, one transaction: it takes the set's lock for that transaction (the key of `TableLock`,
    /// without waiting), checks that `surveyed` still holds, calls `run_maintenance` and, only when the
    /// call wrote something, takes the lock at session level too, so that what changed is read under it.
    /// False when nothing was called and no lock is held: the lock is busy, the set changed since the
    /// first read, or the session's `statement_timeout` is not the configured one (a `statement_timeout`
    /// set inside a statement does not bound it; `withMaintenanceTimeouts` makes it the session's own);
    /// the caller then takes the locked path, which finds out which and reports it.
    ///
    /// The check reads the catalog as the statement started, a moment before the lock: a change that
    /// another lock holder committed in that moment is not seen, and is then counted in this set's report
    /// if pg_partman changed the set too. pg_partman's call itself reads the set afresh.
    func maintainInOneStatement(_ spec: TableSpec, surveyed: Inspection, report: inout TableReport) throws -> Bool {
        report.engine = .pgPartman
        var runner = TransactionRunner(
            connection: connection, settings: settings, stop: stop, logger: logger, isRetryable: Self.isRetryable)
        runner.tally = tally
        let catalog = surveyed.catalog
        let parent = surveyed.set.parentTable
        // Each step is a MATERIALIZED CTE reading the one before it, so they run once and in this order.
        let sql = """
            WITH locked AS MATERIALIZED (
                SELECT l.locked, current_setting('application_name') AS app, current_setting('lock_timeout') AS lt,
                       current_setting('statement_timeout') AS st,
                       current_setting('statement_timeout')::interval = $4::interval AS bounded,
                       CASE WHEN l.locked
                           THEN set_config('application_name', \(TableLock.holderMark(prefix: "$5")), true) END AS marked,
                       CASE WHEN l.locked THEN set_config('lock_timeout', $6, true) END AS lt_set
                FROM pg_try_advisory_xact_lock($3::int8) AS l(locked)),
            checked AS MATERIALIZED (
                SELECT l.*, CASE WHEN l.locked AND l.bounded
                    THEN \(CatalogReader.stillHoldsCondition(catalog, oid: "$7", expected: "$8")) ELSE false END AS holds
                FROM locked l),
            called AS MATERIALIZED (
                SELECT c.*, CASE WHEN c.holds THEN \(runMaintenanceCall) END AS call FROM checked c),
            wrote AS MATERIALIZED (
                SELECT c.*, pg_current_xact_id_if_assigned() IS NOT NULL AS written FROM called c)
            SELECT w.locked, w.bounded, w.holds, w.written, w.app, w.lt, w.st,
                   CASE WHEN w.holds AND w.written THEN pg_try_advisory_lock($3::int8) END AS kept
            FROM wrote w
            """
        let parameters: [PostgresValue?] = [
            .text(parent), .text(jobmon ? "true" : "false"), .text(String(TableLock.key(parent: catalog.oid))),
            .text(settings.statementTimeout.settingText), .text(TableLock.holderPrefix),
            .text(settings.lockTimeout.settingText), .text(String(catalog.oid)), .text(catalog.fingerprint.text),
        ]
        let result: QueryResult
        do {
            result = try runner.withRetries("pg_partman run_maintenance for \(parent)") {
                try connection.query(
                    sql, parameters, purpose: "run pg_partman maintenance for \(parent)", prepared: true)
            }
        } catch let error as PostgresError where !error.isConnectionProblem {
            // Only the commit can fail after the session-level lock was taken; it would outlive the failure.
            _ = try TableLock.releaseIfHeld(parent: catalog.oid, on: connection)
            throw error
        }
        let row = result.rows[0]
        guard try row.bool("holds") else {
            let reason =
                try !row.bool("locked")
                ? "its lock is busy"
                : try !row.bool("bounded")
                    ? "the session's statement_timeout is not the configured one"
                    : "it changed since the first read"
            logger.debug("maintaining \(parent) the long way: \(reason)")
            return false
        }
        var afterNames: Set<QualifiedName>?
        if try row.bool("written") {
            let lock = TableLock.adopt(
                parent: catalog.oid, previous: (try row.string("app"), try row.string("lt"), try row.string("st")))
            defer { lock.release(on: connection) }
            afterNames = try lock.release(on: connection, readingPartitionNamesOf: catalog.oid)
        }
        report.findings = surveyed.findings
        for finding in surveyed.findings { logger.info("\(finding)") }
        finish(
            surveyed, result: result, afterNames: afterNames, defaultRowsLeft: catalog.snapshot.defaultRows,
            report: &report)
        return true
    }

    /// Maintains the set under `lock` (taken by the caller, which releases it if this throws); releases
    /// it at the end. Fills `report`; errors thrown are the set's failure.
    /// `surveyed`: the pass's first read of the set, used when it still holds under the lock.
    func maintain(_ spec: TableSpec, surveyed: Inspection? = nil, lock: TableLock, report: inout TableReport) throws {
        report.engine = .pgPartman
        var runner = TransactionRunner(
            connection: connection, settings: settings, stop: stop, logger: logger,
            isRetryable: Self.isRetryable)
        runner.sessionTimeouts = true  // set with the table's lock (TableLock.acquire)
        runner.tally = tally
        // When the pass's first read leaves nothing to do before pg_partman's call, the check that it still
        // holds and the call go as one statement.
        var maintenance: QueryResult?
        var surveyedIsStale = false
        if let surveyed, !surveyed.needsWorkFirst(spec.defaultRows), !stop.isStopped {
            maintenance = try runMaintenance(surveyed, unlessChangedSince: surveyed.catalog, runner: runner)
            surveyedIsStale = maintenance == nil
        }
        // Reading the default partition needs a lock too: under lock_timeout, like everything else.
        let inspection: Inspection
        if let surveyed, !surveyedIsStale,
            try maintenance != nil || CatalogReader.stillHolds(surveyed.catalog, on: connection)
        {
            inspection = surveyed
        } else {
            inspection = try runner.inTransaction("inspect pg_partman set \(spec.parent)") {
                try Self.inspect(spec, partman: partman, now: now, on: connection)
            }
        }
        report.findings = inspection.findings
        for finding in inspection.findings { logger.info("\(finding)") }
        let snapshot = inspection.catalog.snapshot

        if let blocking = inspection.blocking, spec.defaultRows == .refuse {
            report.status = .failed
            report.defaultRowsLeft = snapshot.defaultRows
            report.errors.append(
                TableError(
                    table: spec.parent,
                    message: "\(Finding.defaultRowsBlockAttach(blocking)) (column \(snapshot.keyColumn)); "
                        + "pg_partman maintenance skipped for this set. Set default_rows: move to move them into "
                        + "partitions of their own first, or move them by hand"))
            return
        }
        if spec.defaultRows == .move, let movable = inspection.movable, movable.count > 0 {
            let (created, moved) = try moveDefaultRows(inspection)
            report.created += created
            report.rowsMoved += moved
        }
        let result: QueryResult
        if let maintenance {
            result = maintenance
        } else {
            if stop.isStopped {
                report.status = .skipped("shutting down")
                return
            }
            result = try runMaintenance(inspection, unlessChangedSince: nil, runner: runner)!
        }

        // pg_partman moves no default-partition rows, so those are counted again (under the lock's
        // timeouts) only when partmand moved some.
        var left = snapshot.defaultRows
        if report.rowsMoved > 0, let defaultPartition = snapshot.defaultPartition {
            left = try CatalogReader.defaultRows(in: defaultPartition, key: snapshot.keyColumn, on: connection)
        }
        // What pg_partman made and retired: the partitions' names read again, with the unlock.
        let afterNames = try lock.release(on: connection, readingPartitionNamesOf: inspection.catalog.oid)
        finish(inspection, result: result, afterNames: afterNames, defaultRowsLeft: left, report: &report)
    }

    /// Fills `report` from pg_partman's call (`result`, its notices) and the partitions' names after it
    /// (`afterNames`; nil when the call wrote nothing, so the set is as `inspection` read it).
    private func finish(
        _ inspection: Inspection, result: QueryResult, afterNames: Set<QualifiedName>?, defaultRowsLeft: DefaultRows?,
        report: inout TableReport
    ) {
        let snapshot = inspection.catalog.snapshot
        for notice in result.notices {
            let text = notice.message + (notice.detail.map { " (\($0))" } ?? "")
            report.notices.append(text)
            logger.notice("pg_partman: \(text)", metadata: ["severity": "\(notice.severity)"])
            if notice.message.contains("maintenance already running") {
                report.status = .skipped("pg_partman maintenance is already running in another session")
            }
        }
        if let afterNames {
            let before = snapshot.partitions
            let beforeNames = Set(before.map(\.name)).union(snapshot.defaultPartition.map { [$0] } ?? [])
            report.created += afterNames.subtracting(beforeNames).sorted { $0.name < $1.name }
                .filter { !report.created.contains($0) }
            report.retired += before.filter { !afterNames.contains($0.name) }.map {
                RetiredPartition(
                    name: $0.name, range: $0.range, action: inspection.set.retentionKeepTable ? .detach : .drop,
                    finishPendingDetach: false)
            }
        }
        if let rows = defaultRowsLeft, rows.count > 0 {
            report.defaultRowsLeft = rows
            logger.warning("\(Finding.defaultRows(rows)); they stay in the default partition")
        }
    }

    /// Calls pg_partman's `run_maintenance` for the set: one statement, its own transaction, under the
    /// session's timeouts (set with the lock), retried on lock timeouts. With `catalog`, only if that read
    /// of the set still holds, checked in the same statement; nil when it did not (nothing was called).
    private func runMaintenance(
        _ inspection: Inspection, unlessChangedSince catalog: TableCatalog?, runner: TransactionRunner
    ) throws -> QueryResult? {
        let call = runMaintenanceCall
        var parameters: [PostgresValue?] = [.text(inspection.set.parentTable), .text(jobmon ? "true" : "false")]
        var sql = "SELECT true AS holds, \(call)"
        if let catalog {
            // OFFSET 0 keeps the check a subquery of its own, evaluated once.
            sql = """
                SELECT f.holds, CASE WHEN f.holds THEN \(call) END
                FROM (SELECT \(CatalogReader.stillHoldsCondition(catalog, oid: "$3", expected: "$4")) AS holds OFFSET 0) f
                """
            parameters += [.text(String(catalog.oid)), .text(catalog.fingerprint.text)]
        }
        let result = try runner.withRetries("pg_partman run_maintenance for \(inspection.set.parentTable)") {
            try connection.query(
                sql, parameters, purpose: "run pg_partman maintenance for \(inspection.set.parentTable)",
                prepared: true)
        }
        return try result.rows[0].bool("holds") ? result : nil
    }

    /// pg_partman's `run_maintenance` for the set named by parameter $1, with p_jobmon parameter $2.
    private var runMaintenanceCall: String {
        "\(partman.function("run_maintenance"))(p_parent_table => $1, p_analyze => false, p_jobmon => $2::boolean)"
    }

    /// pg_partman 4.x re-raises every error as P0001 with the original message: lock timeouts and deadlocks
    /// inside it are recognised by their message (server messages in English, the default lc_messages).
    static func isRetryable(_ error: PostgresError) -> Bool {
        if let state = error.sqlState, RetryPolicy.retryableStates.contains(state) { return true }
        guard error.sqlState == "P0001" else { return false }
        return error.message.contains("canceling statement due to lock timeout")
            || error.message.contains("deadlock detected")
    }

    /// Creates the partitions holding the movable default rows, named and bounded by pg_partman's own
    /// `show_partition_name` (so pg_partman 4.x, which orders children by name, adopts them), each with
    /// the native engine's LIKE + CHECK + move + ATTACH transaction.
    private func moveDefaultRows(_ inspection: Inspection) throws -> (created: [QualifiedName], moved: Int) {
        let snapshot = inspection.catalog.snapshot
        guard let defaultPartition = snapshot.defaultPartition else { return ([], 0) }
        let key = SQL.identifier(snapshot.keyColumn)
        let slots = try connection.query(
            """
            SELECT DISTINCT s.partition_schema, s.partition_table, s.table_exists,
                   extract(epoch FROM s.suffix_timestamp)::text AS lower,
                   extract(epoch FROM s.suffix_timestamp + $2::interval)::text AS upper
            FROM (SELECT DISTINCT \(key) AS v FROM \(defaultPartition.sql)
                  WHERE $3::timestamptz IS NULL OR \(key) >= $3::timestamptz) d
            CROSS JOIN LATERAL \(partman.function("show_partition_name"))($1, d.v::text) s
            ORDER BY 4
            """,
            [
                .text(inspection.set.parentTable), .text(inspection.set.partitionInterval),
                inspection.cutoff.map { PostgresValue($0) },
            ],
            purpose: "name partitions for default rows of \(snapshot.parent)")
        let executor = ActionExecutor(
            connection: connection, catalog: inspection.catalog, settings: settings, stop: stop, now: now,
            logger: logger, tally: tally)
        var created: [QualifiedName] = []
        var moved = 0
        for row in slots.rows {
            let name = QualifiedName(
                schema: try row.string("partition_schema"), name: try row.string("partition_table"))
            if try row.bool("table_exists") {
                throw TableError(
                    table: snapshot.parent,
                    message: "cannot move default rows into \(name): a table of that name exists but does not hold"
                        + " their range")
            }
            let range = PartitionRange(
                lower: .value(Date(timeIntervalSince1970: try row.double("lower"))),
                upper: .value(Date(timeIntervalSince1970: try row.double("upper"))))
            let count = try executor.createPartition(NewPartition(name: name, range: range))
            logger.info("created \(name) for \(range) and moved \(count) row(s) from \(defaultPartition) into it")
            created.append(name)
            moved += count
        }
        return (created, moved)
    }
}
