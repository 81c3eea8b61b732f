import Foundation
import Logging
import PartmandCore
import PartmandPostgres

/// The outcome of `partmand migrate` for one table.
public struct MigrationReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The table is now range-partitioned.
        case migrated
        /// Nothing to do: the table was range-partitioned already.
        case alreadyPartitioned
        /// Dry run: every check passed; `steps` is what would be done.
        case wouldMigrate
        /// A check failed; nothing was changed.
        case refused
        /// A step failed; see `error` and `leftovers`.
        case failed
    }

    public var table: QualifiedName
    public var outcome: Outcome
    /// The history partition's upper bound.
    public var cutoff: Date?
    public var checks: [MigrationCheckResult] = []
    /// The steps done (or, in a dry run, to be done).
    public var steps: [String] = []
    public var error: TableError?
    /// Objects an interrupted migration left behind (cleaned up by the next run).
    public var leftovers: [String] = []
    /// The maintenance pass run after the swap.
    public var pass: TableReport?

    public var succeeded: Bool { [.migrated, .alreadyPartitioned, .wouldMigrate].contains(outcome) }
}

/// Turns a plain table into a range-partitioned one of the same name, online and without copying rows:
/// the old table becomes the partition `FROM (MINVALUE) TO (cutoff)`, where cutoff is the start of the
/// slot after the one holding now. See docs/migrate.md.
public final class TableMigration {
    private let pool: ConnectionPool
    private let settings: MaintenanceSettings
    private let engine: MaintenanceEngine
    private let stop: StopSignal
    private let logger: Logger
    /// Called after the preparation, right before the swap (tests use it to hold a lock).
    public var beforeSwap: (() throws -> Void)?

    static let boundsConstraint = "partmand_migrate_bounds"

    public init(
        pool: ConnectionPool, settings: MaintenanceSettings, engine: MaintenanceEngine,
        stopSignal: StopSignal = StopSignal(), logger: Logger
    ) {
        self.pool = pool
        self.settings = settings
        self.engine = engine
        self.stop = stopSignal
        self.logger = logger
    }

    /// `<name>_partmand_new`, the partitioned parent before the swap.
    static func newTableName(_ table: QualifiedName) -> QualifiedName {
        QualifiedName(schema: table.schema, name: PartitionNaming.fit(parent: table.name, suffix: "_partmand_new"))
    }

    /// `<name>_history`, the old table after the swap.
    static func historyName(_ table: QualifiedName) -> QualifiedName {
        QualifiedName(schema: table.schema, name: PartitionNaming.fit(parent: table.name, suffix: "_history"))
    }

    /// Migrates `spec.parent` (or, with `dryRun`, only checks and describes). `now` defaults to the
    /// server's clock.
    public func run(_ spec: TableSpec, dryRun: Bool, now: Date? = nil) -> MigrationReport {
        var report = MigrationReport(table: spec.parent, outcome: .failed)
        var logger = self.logger
        logger[metadataKey: "table"] = "\(spec.parent)"
        var instant = now ?? Date()
        do {
            let done = try pool.withConnection { connection -> Bool in
                let runner = TransactionRunner(connection: connection, settings: settings, stop: stop, logger: logger)
                if now == nil {
                    instant = try connection.query(
                        "SELECT extract(epoch FROM clock_timestamp())::text AS now", purpose: "read the server clock"
                    ).rows[0].double("now").date
                }
                let inspection = try runner.inTransaction("check \(spec.parent)") {
                    try MigrationCheck.inspect(spec, now: instant, on: connection)
                }
                report.checks = inspection.checks
                if inspection.relkind == "p" {
                    report.outcome = .alreadyPartitioned
                    return false
                }
                if inspection.relkind == "r" { report.cutoff = inspection.cutoff }
                if inspection.refused {
                    report.outcome = .refused
                    return false
                }
                let steps = Steps(spec: spec, inspection: inspection)
                if dryRun {
                    report.steps = steps.descriptions
                    report.outcome = .wouldMigrate
                    return false
                }
                try migrate(steps, on: connection, runner: runner, report: &report, logger: logger)
                return true
            }
            if done {
                let pass = engine.runPass([spec], now: instant, clock: .given(retireAnyway: false))
                report.pass = pass.tables.first
                report.steps.append("maintenance pass: \(pass.tables.first?.summary ?? "no report")")
            }
        } catch let error as Refusal {
            report.outcome = .refused
            report.checks.append(.init(name: "advisory lock", refusal: error.message))
        } catch {
            report.outcome = .failed
            report.error = TableError(table: spec.parent, error)
            logger.error("migration failed: \(report.error!.message)")
        }
        return report
    }

    /// Takes the advisory lock, prepares (CHECK, validate, new parent and its partitions), swaps;
    /// on failure before the swap, removes what it made (best effort) and reports what is left.
    private func migrate(
        _ steps: Steps, on connection: PostgresConnection, runner: TransactionRunner, report: inout MigrationReport,
        logger: Logger
    ) throws {
        let lock = TableLock(parent: steps.inspection.oid)
        guard try lock.tryAcquire(on: connection, purpose: "lock \(steps.table)") else {
            throw Refusal(message: "another partmand is working on \(steps.table)")
        }
        defer { lock.release(on: connection) }
        do {
            try steps.addConstraint(connection, runner, settings)
            report.steps.append(steps.descriptions[0])
            logger.info("\(steps.descriptions[0])")
            try steps.validate(connection, runner)
            report.steps.append(steps.descriptions[1])
            logger.info("\(steps.descriptions[1])")
            try steps.createParent(connection, runner)
            report.steps.append(contentsOf: steps.descriptions[2...3])
            logger.info("\(steps.descriptions[2])")
            try beforeSwap?()
            let attached = try steps.swap(connection, runner, settings)
            report.steps.append(steps.descriptions[4] + " (\(attached) existing indexes attached, none built)")
            logger.info("\(steps.descriptions[4])")
            report.outcome = .migrated
        } catch {
            report.leftovers = steps.cleanUp(connection, runner, settings, logger: logger)
            throw error
        }
    }
}

/// The SQL of one migration, built from the inspection; identifiers quoted by `SQL.identifier`, values
/// quoted by the server.
private struct Steps {
    let spec: TableSpec
    let inspection: MigrationInspection

    var table: QualifiedName { inspection.table }
    var newTable: QualifiedName { inspection.newTable }
    var history: QualifiedName { inspection.historyTable }
    var key: String { SQL.identifier(spec.column) }
    var constraint: String { SQL.identifier(TableMigration.boundsConstraint) }
    var tablespaceClause: String { inspection.tablespace.map { " TABLESPACE \(SQL.identifier($0))" } ?? "" }

    var checkSQL: String {
        "ALTER TABLE \(table.sql) ADD CONSTRAINT \(constraint)"
            + " CHECK (\(key) IS NOT NULL AND \(key) < \(inspection.cutoffLiteral)) NOT VALID"
    }
    var createSQL: String {
        "CREATE TABLE \(newTable.sql) (LIKE \(table.sql) \(likeOptions))"
            + " PARTITION BY RANGE (\(key))\(tablespaceClause)"
    }
    var likeOptions: String {
        "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING GENERATED"
            + " INCLUDING INDEXES"
    }

    var descriptions: [String] {
        let partitions =
            inspection.newPartitions.map { "\($0.name.name) [\($0.range.lower), \($0.range.upper))" }
            + (inspection.newDefault.map { ["\($0.name) DEFAULT"] } ?? [])
        return [
            (inspection.leftoverConstraint ? "drop the leftover \(TableMigration.boundsConstraint), then " : "")
                + checkSQL + " (ACCESS EXCLUSIVE, catalog only)",
            "ALTER TABLE \(table.sql) VALIDATE CONSTRAINT \(constraint) (SHARE UPDATE EXCLUSIVE: reads and writes go on;"
                + " scans the table, \(inspection.size))",
            (inspection.leftoverNewTable ? "drop the leftover \(newTable), then " : "") + createSQL
                + "; drop the copied \(TableMigration.boundsConstraint); copy the table comment, grants and owner",
            "create partitions of \(newTable.name): "
                + (partitions.isEmpty ? "none" : partitions.joined(separator: ", ")),
            "swap in one transaction: LOCK TABLE \(table.sql) IN ACCESS EXCLUSIVE MODE; rename it to \(history.name); "
                + "rename \(newTable.name) to \(table.name); "
                + (inspection.ownedSequences.isEmpty
                    ? "" : "sequence(s) \(inspection.ownedSequences.map(\.name).joined(separator: ", ")) owned by it; ")
                + "ATTACH PARTITION \(history.sql) FOR VALUES FROM (MINVALUE) TO (\(inspection.cutoffLiteral)); "
                + "drop \(TableMigration.boundsConstraint)",
        ]
    }

    /// Step 1: the NOT VALID CHECK (catalog only, but ACCESS EXCLUSIVE: the short lock timeout).
    func addConstraint(_ connection: PostgresConnection, _ runner: TransactionRunner, _ settings: MaintenanceSettings)
        throws
    {
        try runner.inTransaction(
            "add \(TableMigration.boundsConstraint) to \(table)", lockTimeout: settings.exclusiveLockTimeout
        ) {
            if inspection.leftoverConstraint {
                try connection.execute(
                    "ALTER TABLE \(table.sql) DROP CONSTRAINT IF EXISTS \(constraint)",
                    purpose: "drop the leftover \(TableMigration.boundsConstraint)")
            }
            try connection.execute(checkSQL, purpose: "add \(TableMigration.boundsConstraint) to \(table)")
        }
    }

    /// Step 2: the scan, under SHARE UPDATE EXCLUSIVE (readers and writers go on).
    func validate(_ connection: PostgresConnection, _ runner: TransactionRunner) throws {
        try runner.inTransaction("validate \(TableMigration.boundsConstraint) of \(table)") {
            try connection.execute(
                "ALTER TABLE \(table.sql) VALIDATE CONSTRAINT \(constraint)",
                purpose: "validate \(TableMigration.boundsConstraint) of \(table)")
        }
    }

    /// Steps 3 and 4: the new partitioned parent (invisible to the application until the swap), its
    /// comment, grants and owner, and its partitions after the cutoff.
    func createParent(_ connection: PostgresConnection, _ runner: TransactionRunner) throws {
        try runner.inTransaction("create \(newTable)") {
            if inspection.leftoverNewTable {
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
                """, [.text(newTable.sql), .text(String(inspection.oid))], purpose: "read comment and grants"
            ).rows.map { try $0.string("sql") }
            for statement in statements {
                try connection.execute(statement, purpose: "copy comment or grant to \(newTable)")
            }
            if !inspection.ownerIsCurrentUser {
                try connection.execute(
                    "ALTER TABLE \(newTable.sql) OWNER TO \(SQL.identifier(inspection.owner))",
                    purpose: "give \(newTable) to \(inspection.owner)")
            }
            for new in inspection.newPartitions {
                let bounds = try connection.query(
                    "SELECT quote_literal($1::text) AS lower, quote_literal($2::text) AS upper",
                    [
                        new.range.lower.date.map { .text(inspection.keyType.text(for: $0)) },
                        new.range.upper.date.map { .text(inspection.keyType.text(for: $0)) },
                    ], purpose: "quote partition bounds"
                ).rows[0]
                try connection.execute(
                    "CREATE TABLE \(new.name.sql) PARTITION OF \(newTable.sql)"
                        + " FOR VALUES FROM (\(bounds["lower"] ?? "MINVALUE")) TO (\(bounds["upper"] ?? "MAXVALUE"))",
                    purpose: "create partition \(new.name)")
            }
            if let name = inspection.newDefault {
                try connection.execute(
                    "CREATE TABLE \(name.sql) PARTITION OF \(newTable.sql) DEFAULT",
                    purpose: "create default partition \(name)")
            }
        }
    }

    /// Step 5: one short transaction under the short lock timeout. Returns the number of existing
    /// indexes ATTACH adopted; rolls back if it had to build any.
    func swap(_ connection: PostgresConnection, _ runner: TransactionRunner, _ settings: MaintenanceSettings) throws
        -> Int
    {
        try runner.inTransaction("swap \(table) for a partitioned table", lockTimeout: settings.exclusiveLockTimeout) {
            try connection.execute(
                "LOCK TABLE \(table.sql) IN ACCESS EXCLUSIVE MODE", purpose: "lock \(table)")
            let valid = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = $1::oid AND conname = $2"
                    + " AND convalidated) AS ok",
                [.text(String(inspection.oid)), .text(TableMigration.boundsConstraint)],
                purpose: "check \(TableMigration.boundsConstraint)"
            ).rows[0]
            guard try valid.bool("ok") else {
                throw Refusal(message: "\(TableMigration.boundsConstraint) on \(table) vanished or is not valid")
            }
            try connection.execute(
                "ALTER TABLE \(table.sql) RENAME TO \(SQL.identifier(history.name))", purpose: "rename \(table)")
            try connection.execute(
                "ALTER TABLE \(newTable.sql) RENAME TO \(SQL.identifier(table.name))", purpose: "rename \(newTable)")
            for sequence in inspection.ownedSequences {
                // Else dropping the history partition (retention) would drop the sequence the defaults use.
                try connection.execute(
                    "ALTER SEQUENCE \(SQL.qualified(sequence.schema, sequence.name))"
                        + " OWNED BY \(table.sql).\(SQL.identifier(sequence.column))",
                    purpose: "move sequence \(sequence.name) to \(table)")
            }
            try connection.execute(
                "ALTER TABLE \(table.sql) ATTACH PARTITION \(history.sql)"
                    + " FOR VALUES FROM (MINVALUE) TO (\(inspection.cutoffLiteral))",
                purpose: "attach \(history)")
            let indexes = try connection.query(
                """
                SELECT count(*)::int AS total,
                       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid))::int
                           AS attached
                FROM pg_index i WHERE i.indrelid = $1::oid
                """, [.text(String(inspection.oid))], purpose: "check the indexes of \(history)"
            ).rows[0]
            let total = try indexes.int("total")
            guard total == inspection.indexCount else {
                throw Refusal(
                    message: "ATTACH would have built \(total - inspection.indexCount) new index(es) on \(history) "
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

extension Double {
    fileprivate var date: Date { Date(timeIntervalSince1970: self) }
}
