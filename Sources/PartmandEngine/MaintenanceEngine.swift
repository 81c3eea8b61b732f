import Foundation
import Logging
import PartmandCore
import PartmandPostgres
import Synchronization

/// Runs maintenance passes: for each table, takes its advisory lock, reads the catalog, plans and
/// executes. One table's failure never stops the others.
public final class MaintenanceEngine: Sendable {
    private let pool: ConnectionPool
    private let settings: MaintenanceSettings
    private let logger: Logger
    /// The `pg_partman:` settings: which sets to maintain and p_jobmon.
    private let partman: PartmanOptions
    /// Set to stop a running pass at the next safe point.
    public let stopSignal: StopSignal

    public init(
        pool: ConnectionPool, settings: MaintenanceSettings, stopSignal: StopSignal = StopSignal(), logger: Logger,
        partman: PartmanOptions = PartmanOptions()
    ) {
        self.partman = partman
        self.pool = pool
        self.settings = settings
        self.stopSignal = stopSignal
        self.logger = logger
    }

    /// What a pass would do, without changing anything or taking locks, and whether the server is a
    /// standby (where a pass would skip every table). Each table gets its own status: one whose catalog
    /// cannot be read (its default partition locked, 55P03, or not readable for the role, 42501) fails
    /// alone, with its SQLSTATE, and the others are still planned; so does a pg_partman set. Only a
    /// connection problem is thrown.
    public func plan(_ specs: [TableSpec], now: Date) throws -> PlanReport {
        try pool.withConnection { connection in
            // Read-only, but under lock_timeout and statement_timeout all the same: counting a default
            // partition must not wait behind someone's ACCESS EXCLUSIVE request (health checks use this).
            // Session-level, not one transaction: each statement commits on its own, so a table whose
            // read fails does not abort the others' reads.
            // No retries: a plan (and a health check) reports a busy table at once rather than waiting.
            var once = settings
            once.retries = 0
            let runner = TransactionRunner(connection: connection, settings: once, stop: stopSignal, logger: logger)
            return try runner.outsideTransaction("plan", lockTimeout: settings.lockTimeout) {
                try plan(specs, now: now, on: connection)
            }
        }
    }

    private func plan(_ specs: [TableSpec], now: Date, on connection: PostgresConnection) throws -> PlanReport {
        let server = try ServerFacts.read(on: connection)
        var enabled = specs.filter(\.enabled)
        var listingFailure: TableReport?
        do {
            enabled = try withPartmanSets(enabled, on: connection)
        } catch let error as PostgresError where !error.isConnectionProblem {
            listingFailure = partmanListingFailure(error, on: connection)
        }
        let native = enabled.filter { $0.engine == .native }
        let partmanReports = try planPartman(enabled.filter { $0.engine == .pgPartman }, now: now, on: connection)
        var catalogs: [QualifiedName: Result<TableCatalog, TableError>]
        do {
            catalogs = try CatalogReader.read(native, isolatingFailures: true, on: connection)
        } catch {
            guard !error.isConnectionProblem else { throw error }
            // The catalog queries shared by all tables failed: every native table fails with that error.
            catalogs = Dictionary(
                native.map { ($0.parent, .failure(TableError(table: $0.parent, error))) },
                uniquingKeysWith: { first, _ in first })
        }
        var tables = enabled.map { spec in
            if let report = partmanReports[spec.parent] { return report }
            var report = TableReport(table: spec.parent, status: .ok)
            switch catalogs[spec.parent]! {
            case .failure(let error):
                report.status = .failed
                report.errors = [error]
            case .success(let catalog):
                let plan = Planner.plan(spec, catalog.snapshot, now: now)
                report.planned = plan.actions
                report.findings = plan.findings
                report.defaultRowsLeft = catalog.snapshot.defaultRows
                report.distribution = catalog.distribution
                if let refusal = ColumnarSupport.refusal(plan.actions, catalog) {
                    report.status = .failed
                    report.errors = [refusal]
                }
            }
            return report
        }
        if let listingFailure { tables.append(listingFailure) }
        let holders = try TableLock.holders(of: tables.map(\.table), on: connection)
        for index in tables.indices { tables[index].lockHolder = holders[tables[index].table] }
        return PlanReport(tables: tables, standby: server.standby, citusWorker: server.citusWorker)
    }

    /// With `pg_partman: { tables: all }`, part_config could not be read, so the sets the configuration does
    /// not list are unknown: a failed report named after part_config says so.
    private func partmanListingFailure(_ error: PostgresError, on connection: PostgresConnection) -> TableReport {
        let schema = ((try? PartmanExtension.find(on: connection)) ?? nil)?.schema ?? "pg_partman"
        var report = TableReport(table: QualifiedName(schema: schema, name: "part_config"), status: .failed)
        report.engine = .pgPartman
        var failure = TableError(table: report.table, error)
        failure.message = "cannot list the pg_partman sets (pg_partman: tables: all): " + failure.message
        report.errors = [failure]
        return report
    }

    /// `specs` plus, with `pg_partman: { tables: all }`, every part_config set with automatic maintenance on
    /// that the configuration does not list (such sets use the defaults: `default_rows: refuse`).
    private func withPartmanSets(_ specs: [TableSpec], on connection: PostgresConnection) throws -> [TableSpec] {
        guard partman.tables == .all, let installed = try PartmanExtension.find(on: connection) else { return specs }
        let listed = Set(specs.map(\.parent))
        let extra = try PartmanSets.read(installed, parents: nil, on: connection).values
            .filter { $0.automaticMaintenance == "on" && !listed.contains($0.parent) }
            .sorted { $0.parentTable < $1.parentTable }
            .map {
                // The interval is not used for pg_partman sets: pg_partman's part_config decides.
                TableSpec(
                    parent: $0.parent, column: $0.control, interval: CalendarInterval(1, .month), engine: .pgPartman)
            }
        return specs + extra
    }

    /// Plans of pg_partman sets: findings only (pg_partman decides the actions).
    private func planPartman(_ specs: [TableSpec], now: Date, on connection: PostgresConnection) throws
        -> [QualifiedName: TableReport]
    {
        guard !specs.isEmpty else { return [:] }
        let installed = try PartmanExtension.find(on: connection)
        var reports: [QualifiedName: TableReport] = [:]
        for spec in specs {
            var report = TableReport(table: spec.parent, status: .ok)
            report.engine = .pgPartman
            do {
                guard let installed else { throw PartmanExtension.missingError(for: spec.parent) }
                let inspection = try PartmanDriver.inspect(spec, partman: installed, now: now, on: connection)
                report.findings = inspection.findings
                report.defaultRowsLeft = inspection.catalog.snapshot.defaultRows
                if inspection.blocking != nil && spec.defaultRows == .refuse {
                    report.status = .failed
                    report.errors = [
                        TableError(
                            table: spec.parent,
                            message: "default-partition rows would make pg_partman fail; set default_rows: move")
                    ]
                }
            } catch let error as TableError {
                report.status = .failed
                report.errors = [error]
            } catch let error as PostgresError where !error.isConnectionProblem {
                report.status = .failed
                report.errors = [TableError(table: spec.parent, error)]
            }
            reports[spec.parent] = report
        }
        return reports
    }

    /// Runs one pass over the enabled tables of `specs` at instant `now`, which `clock` says where it
    /// came from. Only the server's clock retires anything: with `.system`, a pass whose `now` is more
    /// than five minutes from the server's clock refuses to run at all; with `.given`, such a pass creates
    /// partitions as usual but refuses every retirement (each affected table fails, saying why), unless
    /// `retireAnyway`.
    ///
    /// `tableFinished` is called with each table's report as soon as the table is done (from the
    /// thread that maintained it), for whoever records progress; it must not throw or block for long.
    /// Tables in `first` are maintained before any other (the run history's table: the other tables'
    /// rows need its partitions).
    public func runPass(
        _ specs: [TableSpec], now: Date, clock: PassClock, runID: String = RunID.make(),
        first: Set<QualifiedName> = [], tableFinished: (@Sendable (TableReport) -> Void)? = nil
    ) -> PassReport {
        let started = Date()
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(runID)"
        var report = PassReport(runID: runID, startedAt: now)
        defer { logger.debug("pass finished") }

        let server: ServerFacts
        do {
            server = try pool.withConnection { connection in try ServerFacts.read(on: connection) }
        } catch {
            var failure = TableError(table: QualifiedName(schema: "", name: ""), error)
            failure.isConnectionProblem = true
            logger.error(
                "database unreachable: \(failure.message)", metadata: ["sqlstate": "\(failure.sqlState ?? "")"])
            report.unreachable = failure
            return report
        }
        if let skipReason = server.skipReason {
            logger.notice(
                server.standby
                    ? "server is a standby (in recovery): nothing to do"
                    : "server is a Citus worker node: nothing to do (partmand maintains tables from the coordinator)")
            report.standby = server.standby
            report.citusWorker = server.citusWorker
            report.tables = specs.filter(\.enabled).map { TableReport(table: $0.parent, status: .skipped(skipReason)) }
            return report
        }
        let skew = ClockSkew(now: now, server: Date(timeIntervalSince1970: server.now))
        var retirementRefusal: String?
        if !skew.isTolerable {
            switch clock {
            case .system:
                let message = "local clock is \(skew) the server's; refusing to maintain tables"
                logger.error("\(message)")
                report.tables = specs.filter(\.enabled).map {
                    var table = TableReport(table: $0.parent, status: .failed)
                    table.errors = [TableError(table: $0.parent, message: message)]
                    return table
                }
                return report
            case .given(retireAnyway: false):
                retirementRefusal =
                    "the given now, \(ISO8601.string(now)), is \(skew) the server's clock; only the server's clock retires partitions"
                logger.notice("\(retirementRefusal!): creating partitions only")
            case .given(retireAnyway: true):
                logger.warning(
                    "retiring at the given now, \(ISO8601.string(now)), \(skew) the server's clock, as asked")
            }
        }

        var enabled = specs.filter(\.enabled)
        if partman.tables == .all {
            do {
                enabled = try pool.withConnection { try withPartmanSets(enabled, on: $0) }
            } catch {
                logger.error("cannot list pg_partman sets: \(error)")
            }
        }
        let survey = survey(enabled.filter { $0.engine == .native }, now: now, logger: logger)
        // The pg_partman sets are read while they are maintained, a chunk ahead (one pooled connection
        // reads, another maintains), when the pool has two connections.
        let partmanFeed = SurveyFeed<PartmanDriver.Inspection>(
            enabled.filter { $0.engine == .pgPartman }, readingAhead: pool.size > 1
        ) { [self, logger] specs in
            surveyPartman(specs, now: now, logger: logger)
        }
        defer { partmanFeed.stop() }
        // The tables in `first` go first, alone. Then tables whose first read says they only need new
        // partitions are maintained side by side, one per
        // pooled connection; the others (retirements wait for older transactions, pg_partman maintains one
        // set at a time) one after another.
        let results = TableSlots<TableReport>(count: enabled.count)
        let next = Counter()
        let maintainOne: @Sendable (Int) -> Void = { [enabled, logger, retirementRefusal, survey, partmanFeed] index in
            let spec = enabled[index]
            var tableLogger = logger
            tableLogger[metadataKey: "table"] = "\(spec.parent)"
            let tableReport: TableReport
            if let steady = survey.steady[spec.parent] {
                tableReport = steady
            } else if self.stopSignal.isStopped {
                results[index] = TableReport(table: spec.parent, status: .skipped("shutting down"))
                return
            } else {
                tableReport = self.maintain(
                    spec, now: now, surveyed: survey.catalogs[spec.parent],
                    surveyedSet: spec.engine == .pgPartman ? partmanFeed.value(of: spec.parent) : nil,
                    retirementRefusal: retirementRefusal,
                    logger: tableLogger)
            }
            self.log(tableReport, logger: tableLogger)
            tableFinished?(tableReport)
            results[index] = tableReport
        }
        let leading = enabled.indices.filter { first.contains(enabled[$0].parent) }
        for index in leading { maintainOne(index) }
        let side = enabled.indices.filter {
            survey.onlyCreates.contains(enabled[$0].parent) && !first.contains(enabled[$0].parent)
        }
        let handled = Set(side).union(leading)
        DispatchQueue.concurrentPerform(iterations: max(1, min(pool.size, side.count))) { _ in
            while let position = next.take(below: side.count) { maintainOne(side[position]) }
        }
        partmanFeed.start()
        for index in enabled.indices where !handled.contains(index) { maintainOne(index) }
        report.tables = results.filled
        report.duration = .since(started)
        return report
    }

    /// What one read of every native table found: the reports of the tables whose plan has nothing to
    /// do (neither locked nor touched), and the catalogs read of the others.
    private struct Survey {
        var steady: [QualifiedName: TableReport] = [:]
        var catalogs: [QualifiedName: TableCatalog] = [:]
        /// Tables whose plan only creates partitions (no retirement): safe to maintain side by side.
        var onlyCreates: Set<QualifiedName> = []
    }

    /// Reads the pg_partman sets of `specs` at once (a few queries for all, under lock_timeout, without
    /// retries); nil when there are none or the read failed (each set is then read under its lock).
    private func surveyPartman(_ specs: [TableSpec], now: Date, logger: Logger)
        -> [QualifiedName: PartmanDriver.Inspection]?
    {
        guard !specs.isEmpty else { return nil }
        do {
            var once = settings
            once.retries = 0
            return try pool.withConnection { connection in
                try TransactionRunner(connection: connection, settings: once, stop: stopSignal, logger: logger)
                    .outsideTransaction("read \(specs.count) pg_partman sets", lockTimeout: settings.lockTimeout) {
                        guard let installed = try PartmanExtension.find(on: connection) else { return nil }
                        let read = try PartmanDriver.inspect(
                            specs, partman: installed, now: now, isolatingFailures: true, on: connection)
                        return read.compactMapValues { try? $0.get() }
                    }
            }
        } catch {
            logger.notice("cannot read \(specs.count) pg_partman sets at once; reading each under its lock: \(error)")
            return nil
        }
    }

    /// Reads the catalog of every native table of `specs` at once (a few queries for all of them, under
    /// lock_timeout, without retries). Tables whose plan has nothing to do are reported from it. Every
    /// other table, and every table this read could not cover, is maintained on its own: advisory lock,
    /// the read checked under it (its fingerprint) or done again, actions.
    private func survey(_ specs: [TableSpec], now: Date, logger: Logger) -> Survey {
        guard !specs.isEmpty else { return Survey() }
        let catalogs: [QualifiedName: Result<TableCatalog, TableError>]
        do {
            var once = settings
            once.retries = 0
            catalogs = try pool.withConnection { connection in
                try TransactionRunner(connection: connection, settings: once, stop: stopSignal, logger: logger)
                    .outsideTransaction("read the catalog of \(specs.count) tables", lockTimeout: settings.lockTimeout)
                {
                    try CatalogReader.read(specs, isolatingFailures: true, on: connection)
                }
            }
        } catch {
            logger.notice("cannot read every table's catalog at once; maintaining them one by one: \(error)")
            return Survey()
        }
        var survey = Survey()
        for spec in specs {
            guard case .success(let catalog) = catalogs[spec.parent] else { continue }
            let plan = Planner.plan(spec, catalog.snapshot, now: now)
            guard plan.actions.isEmpty else {
                survey.catalogs[spec.parent] = catalog
                // Citus tables go one after another: their DDL also locks shards on the workers, and
                // colocated tables share those locks' holders.
                if plan.actions.allSatisfy(\.isCreation) && catalog.distribution == nil {
                    survey.onlyCreates.insert(spec.parent)
                }
                continue
            }
            var tableLogger = logger
            tableLogger[metadataKey: "table"] = "\(spec.parent)"
            var report = TableReport(table: spec.parent, status: .ok)
            report.findings = plan.findings
            report.defaultRowsLeft = catalog.snapshot.defaultRows
            log(plan.findings, tableLogger)
            if let rows = catalog.snapshot.defaultRows, let partition = catalog.snapshot.defaultPartition {
                warn(rows, in: partition, tableLogger)
            }
            survey.steady[spec.parent] = report
        }
        return survey
    }

    /// Logs what the planner noticed; default-partition rows are reported apart, with what is left.
    private func log(_ findings: [Finding], _ logger: Logger) {
        for finding in findings {
            if case .defaultRows = finding { continue }
            logger.info("\(finding)")
        }
    }

    /// Warns about rows left in the default partition, if any.
    private func warn(_ rows: DefaultRows, in partition: QualifiedName, _ logger: Logger) {
        guard rows.count > 0 else { return }
        logger.warning(
            "\(Finding.defaultRows(rows)); they lie outside the maintained window and stay there",
            metadata: ["partition": "\(partition)"])
    }

    /// One table: advisory lock, snapshot, plan, actions, default-partition check, unlock.
    private func maintain(
        _ spec: TableSpec, now: Date, surveyed: TableCatalog? = nil, surveyedSet: PartmanDriver.Inspection? = nil,
        retirementRefusal: String?, logger: Logger
    ) -> TableReport {
        let started = Date()
        var report = TableReport(table: spec.parent, status: .ok)
        let tally = RetryTally()
        do {
            try pool.withConnection { connection in
                let driver = { [self] (installed: PartmanExtension) in
                    PartmanDriver(
                        connection: connection, partman: installed, settings: settings, jobmon: partman.jobmon,
                        stop: stopSignal, now: now, logger: logger, tally: tally)
                }
                if spec.engine == .pgPartman, let surveyedSet,
                    driver(surveyedSet.partman).canMaintainInOneStatement(spec, surveyed: surveyedSet),
                    try driver(surveyedSet.partman).maintainInOneStatement(spec, surveyed: surveyedSet, report: &report)
                {
                    return
                }
                guard let lock = try lockTable(spec.parent, on: connection, report: &report) else { return }
                defer { lock.release(on: connection) }
                switch spec.engine {
                case .native:
                    try maintainLocked(
                        spec, now: now, surveyed: surveyed, retirementRefusal: retirementRefusal, on: connection,
                        tally: tally, report: &report, logger: logger)
                case .pgPartman:
                    report.engine = .pgPartman
                    guard let installed = try surveyedSet?.partman ?? PartmanExtension.find(on: connection) else {
                        throw PartmanExtension.missingError(for: spec.parent)
                    }
                    try driver(installed).maintain(spec, surveyed: surveyedSet, lock: lock, report: &report)
                }
            }
        } catch let error as TableError {
            report.status = .failed
            report.errors.append(error)
        } catch {
            report.status = .failed
            report.errors.append(TableError(table: spec.parent, error))
        }
        report.lockRetries = tally.count
        report.duration = .since(started)
        return report
    }

    /// Takes the table's session advisory lock, with the configured timeouts as the session's until it
    /// is released; nil (and a skipped report naming the holder, or a failed one) when another session
    /// holds it or the table does not exist.
    private func lockTable(_ table: QualifiedName, on connection: PostgresConnection, report: inout TableReport)
        throws -> TableLock?
    {
        switch try TableLock.acquire(
            table, timeouts: (settings.lockTimeout, settings.statementTimeout), on: connection)
        {
        case .missing:
            report.status = .failed
            report.errors.append(TableError(table: table, message: "table does not exist"))
            return nil
        case .busy:
            let holder = try TableLock.holders(of: [table], on: connection)[table]
            report.lockHolder = holder
            report.status = .skipped("locked by another partmand" + (holder.map { " (\($0))" } ?? ""))
            return nil
        case .acquired(let lock):
            return lock
        }
    }

    private func maintainLocked(
        _ spec: TableSpec, now: Date, surveyed: TableCatalog?, retirementRefusal: String?,
        on connection: PostgresConnection, tally: RetryTally, report: inout TableReport, logger: Logger
    ) throws {
        // Read under lock_timeout too: counting the default partition's rows must not queue
        // behind someone's ACCESS EXCLUSIVE request for long.
        var reader = TransactionRunner(connection: connection, settings: settings, stop: stopSignal, logger: logger)
        reader.sessionTimeouts = true
        reader.tally = tally
        // On a Citus table, counting the default partition reads shards on the workers: the timeouts must
        // reach them too.
        reader.propagatesToWorkers = surveyed?.distribution != nil
        // The pass's first read still holds when nothing changed since (its fingerprint, one query); else
        // the table is read again, under its lock.
        let catalog: TableCatalog
        if let surveyed, try CatalogReader.stillHolds(surveyed, on: connection) {
            catalog = surveyed
        } else {
            catalog = try reader.inTransaction("read the catalog of \(spec.parent)") {
                try CatalogReader.read([spec], on: connection)[spec.parent]!.get()
            }
        }
        reader.propagatesToWorkers = catalog.distribution != nil
        let plan = Planner.plan(spec, catalog.snapshot, now: now)
        var actions = plan.actions
        if let retirementRefusal {
            let refused = actions.filter(\.isRetirement)
            actions.removeAll(where: \.isRetirement)
            if !refused.isEmpty {
                let names = refused.map { "\($0.partition)" }.joined(separator: ", ")
                report.status = .failed
                report.errors.append(
                    TableError(table: spec.parent, message: "not retiring \(names): \(retirementRefusal)"))
                report.refusedRetirements = refused
            }
        }
        report.planned = plan.actions
        report.findings = plan.findings
        report.distribution = catalog.distribution
        log(plan.findings, logger)
        if let refusal = ColumnarSupport.refusal(actions, catalog) {
            actions.removeAll { if case .convertToColumnar = $0 { true } else { false } }
            logger.error("\(refusal.message)")
            report.status = .failed
            report.errors.append(refusal)
        }

        let executor = ActionExecutor(
            connection: connection, catalog: catalog, settings: settings, stop: stopSignal, now: now, logger: logger,
            tally: tally)
        for (index, action) in actions.enumerated() {
            if stopSignal.isStopped {
                let left = actions[index...].map { "\($0)" }.joined(separator: "; ")
                report.status = .failed
                report.errors.append(TableError(table: spec.parent, message: "shutting down; not done: \(left)"))
                break
            }
            var actionLogger = logger
            actionLogger[metadataKey: "action"] = "\(action.kind)"
            actionLogger[metadataKey: "partition"] = "\(action.partition)"
            let started = Date()
            do {
                let moved = try executor.execute(action)
                record(action, rowsMoved: moved, in: &report)
                actionLogger[metadataKey: "duration_ms"] = "\(Duration.since(started).milliseconds)"
                let movedNote = moved > 0 ? " (\(moved) rows moved from the default partition)" : ""
                actionLogger.info("\(action)\(movedNote)")
            } catch {
                let failure = TableError(table: spec.parent, error)
                actionLogger[metadataKey: "sqlstate"] = "\(failure.sqlState ?? "")"
                actionLogger.error("\(action) failed: \(failure.message)")
                report.status = .failed
                report.errors.append(failure)
                if failure.isConnectionProblem { return }
            }
        }
        if let defaultPartition = catalog.snapshot.defaultPartition,
            report.rowsMoved > 0 || (catalog.snapshot.defaultRows?.count ?? 0) > 0
        {
            let left = try reader.inTransaction("count rows left in \(defaultPartition)") {
                try CatalogReader.defaultRows(in: defaultPartition, key: catalog.snapshot.keyColumn, on: connection)
            }
            report.defaultRowsLeft = left
            warn(left, in: defaultPartition, logger)
        }
    }

    private func record(_ action: MaintenanceAction, rowsMoved: Int, in report: inout TableReport) {
        switch action {
        case .createPartition(let new): report.created.append(new.name)
        case .createDefaultPartition(let name): report.createdDefault = name
        case .retirePartition(let retired): report.retired.append(retired)
        case .finishRetirement(let unfinished): report.finishedRetirements.append(unfinished)
        case .convertToColumnar(let partition): report.convertedToColumnar.append(partition.name)
        case .finishConversion(let unfinished):
            if unfinished.state != .gone { report.convertedToColumnar.append(unfinished.name) }
        }
        report.rowsMoved += rowsMoved
    }

    private func log(_ report: TableReport, logger: Logger) {
        var logger = logger
        logger[metadataKey: "duration_ms"] = "\(report.duration.milliseconds)"
        switch report.status {
        case .ok: logger.info("\(report.summary)")
        case .skipped: logger.notice("\(report.summary)")
        case .failed: logger.error("\(report.summary)")
        }
    }
}

/// Short identifiers tying together the log lines of one pass.
public enum RunID {
    public static func make() -> String {
        String(UUID().uuidString.prefix(8)).lowercased()
    }
}

/// One result slot per table of a pass, filled from the threads maintaining them.
private final class TableSlots<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    subscript(index: Int) -> Value? {
        get { slots.withLock { $0[index] } }
        set { slots.withLock { $0[index] = newValue } }
    }

    /// The filled slots, in order.
    var filled: [Value] { slots.withLock { $0.compactMap { $0 } } }
}

/// Hands out 0, 1, 2… to the threads of a pass, each number once.
private final class Counter: Sendable {
    private let value = Mutex(0)

    /// The next number, when below `limit`.
    func take(below limit: Int) -> Int? {
        value.withLock { next in
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
