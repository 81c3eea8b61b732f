import Foundation
import Logging
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// The outcome of `partmand migrate --undo` for one table.
public struct MigrationUndoReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The table is a plain table again.
        case undone
        /// Nothing to do: the table is a plain table.
        case alreadyPlain
        /// Dry run: every check passed.
        case wouldUndo
        /// A check failed; nothing was changed.
        case refused
        /// The transaction failed and was rolled back; see `error`.
        case failed
    }

    public var table: QualifiedName
    public var outcome: Outcome
    public var checks: [MigrationCheckResult] = []
    /// What was done (or, in a dry run, would be done), in order.
    public var steps: [String] = []
    public var error: TableError?

    public init(table: QualifiedName, outcome: Outcome) {
        self.table = table
        self.outcome = outcome
    }

    public var succeeded: Bool { [.undone, .alreadyPlain, .wouldUndo].contains(outcome) }
}

/// Turns a table `partmand migrate` converted back into a plain table of the same name, without copying
/// rows, in one short transaction: the history partition (the old table) is detached, the partitioned
/// parent and its other partitions (empty, or the undo is refused) are dropped, the old table takes the
/// name back, and identity columns get their identity again, continuing past the parent's sequence.
/// Nothing spans two transactions, so a kill at any point leaves either the migrated or the plain table.
public final class MigrationUndo {
    private let pool: ConnectionPool
    private let settings: MaintenanceSettings
    private let stop: StopSignal
    private let logger: Logger

    public init(
        pool: ConnectionPool, settings: MaintenanceSettings, stopSignal: StopSignal = StopSignal(), logger: Logger
    ) {
        self.pool = pool
        self.settings = settings
        self.stop = stopSignal
        self.logger = logger
    }

    /// Undoes the migration of `table` (or, with `dryRun`, only checks and describes).
    public func run(_ table: QualifiedName, dryRun: Bool) -> MigrationUndoReport {
        var report = MigrationUndoReport(table: table, outcome: .failed)
        let history = QualifiedName(
            schema: table.schema, name: PartitionNaming.fit(parent: table.name, suffix: "_history"))
        var logger = self.logger
        logger[metadataKey: "table"] = "\(table)"
        do {
            try pool.withConnection { connection in
                let runner = TransactionRunner(connection: connection, settings: settings, stop: stop, logger: logger)
                let undo = try runner.inTransaction("check \(table)") {
                    try UndoReader(table: table, history: history, connection: connection).read()
                }
                let verdict = MigrationUndoRules.judge(table, history: history, undo.facts)
                report.checks = verdict.checks
                if verdict.alreadyPlain {
                    report.outcome = .alreadyPlain
                    return
                }
                guard !verdict.refused else {
                    report.outcome = .refused
                    return
                }
                report.steps = undo.descriptions
                if dryRun {
                    report.outcome = .wouldUndo
                    return
                }
                guard let lock = try TableLock.tryAcquire(parent: undo.oid, on: connection) else {
                    throw MigrationRefusal(message: "another partmand is working on \(table)")
                }
                defer { lock.release(on: connection) }
                try runner.inTransaction("undo the migration of \(table)", lockTimeout: settings.exclusiveLockTimeout) {
                    try undo.perform(on: connection)
                }
                logger.info("turned back into a plain table")
                report.outcome = .undone
            }
        } catch let error as MigrationRefusal {
            report.outcome = .refused
            report.checks.append(.init(name: "under the lock", refusal: error.message))
        } catch {
            report.outcome = .failed
            report.error = TableError(table: table, error)
            logger.error("undo failed: \(report.error!.message)")
        }
        return report
    }
}

/// What an undo reads and then does: the facts judged, and the parent's sequences to hand back.
private struct UndoPlan {
    var table: QualifiedName
    var history: QualifiedName
    var oid: Int64 = 0
    var facts = MigrationUndoFacts(relkind: nil)
    /// The partitions besides the history partition (empty, or the undo is refused).
    var others: [QualifiedName] = []
    /// Identity columns of the parent: column, kind (`a` or `d`), whether an index leads with it.
    var identities: [(column: String, kind: String, sequence: QualifiedName, indexed: Bool)] = []
    /// Sequences the parent's serial columns own: they must move to the history table before the drop.
    var ownedSequences: [(sequence: QualifiedName, column: String)] = []

    var descriptions: [String] {
        var steps = [
            "one transaction under exclusive_lock_timeout: LOCK TABLE \(table.sql) IN ACCESS EXCLUSIVE MODE; check "
                + "again that the other partitions are empty"
        ]
        if !ownedSequences.isEmpty {
            let names = ownedSequences.map { $0.sequence.description }.joined(separator: ", ")
            steps.append("sequence(s) \(names) owned by \(history.name) again")
        }
        steps.append(
            "ALTER TABLE \(table.sql) DETACH PARTITION \(history.sql) (its indexes stay, detached from the parent's)")
        let dropped: String = others.isEmpty ? "none" : others.map { $0.name }.joined(separator: ", ")
        steps.append("DROP TABLE \(table.sql) (the partitioned parent and its empty partitions: \(dropped))")
        steps.append("ALTER TABLE \(history.sql) RENAME TO \(SQL.identifier(table.name))")
        for identity in identities {
            let past = identity.indexed ? " and max(\(identity.column))" : ""
            steps.append(
                "identity \(identity.column) again on \(table.name) (sequence \(identity.sequence.name), same options), "
                    + "set past the parent's sequence\(past)")
        }
        return steps
    }

    /// The transaction's statements; the caller runs them in one transaction under the short lock timeout.
    func perform(on connection: PostgresConnection) throws {
        try connection.execute("LOCK TABLE \(table.sql) IN ACCESS EXCLUSIVE MODE", purpose: "lock \(table)")
        for other in others {
            let holds = try connection.query(
                "SELECT EXISTS (SELECT 1 FROM ONLY \(other.sql)) AS rows", [], purpose: "look into \(other)"
            ).rows[0].bool("rows")
            if holds {
                throw MigrationRefusal(
                    message: "\(other) received rows since the checks; undo would lose them. Nothing was changed")
            }
        }
        for owned in ownedSequences {
            try connection.execute(
                "ALTER SEQUENCE \(owned.sequence.sql) OWNED BY \(history.sql).\(SQL.identifier(owned.column))",
                purpose: "give \(owned.sequence) back to \(history)")
        }
        // Rendered by the server from the parent's sequence before the drop removes it.
        var identityStatements: [(statement: String, position: Int64?, column: String)] = []
        for identity in identities {
            let kind = identity.kind == "a" ? "ALWAYS" : "BY DEFAULT"
            let column = SQL.identifier(identity.column)
            let largest = identity.indexed ? "(SELECT max(\(column)) FROM \(history.sql))::int8" : "NULL::int8"
            let row = try connection.query(
                """
                SELECT format('ALTER TABLE %s ALTER COLUMN %s ADD GENERATED \(kind) AS IDENTITY (SEQUENCE NAME %s'
                              || ' INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s)',
                              $1::text, $2::text, $3::text, s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache,
                              CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END) AS statement,
                       greatest(pg_sequence_last_value(s.seqrelid), \(largest)) AS position
                FROM pg_sequence s WHERE s.seqrelid = to_regclass($4)
                """,
                [.text(table.sql), .text(column), .text(identity.sequence.sql), .text(identity.sequence.sql)],
                purpose: "read the identity of \(table).\(identity.column)"
            ).rows.first
            guard let row else {
                throw MigrationRefusal(message: "the sequence \(identity.sequence) of \(table) vanished")
            }
            identityStatements.append(
                (try row.string("statement"), try row.optionalInt64("position"), identity.column))
        }
        try connection.execute(
            "ALTER TABLE \(table.sql) DETACH PARTITION \(history.sql)", purpose: "detach \(history)")
        try connection.execute("DROP TABLE \(table.sql)", purpose: "drop the partitioned \(table)")
        try connection.execute(
            "ALTER TABLE \(history.sql) RENAME TO \(SQL.identifier(table.name))", purpose: "rename \(history)")
        for identity in identityStatements {
            try connection.execute(identity.statement, purpose: "give \(table).\(identity.column) its identity back")
            if let position = identity.position {
                try connection.query(
                    "SELECT setval(pg_get_serial_sequence($1, $2)::regclass, $3::int8, true)",
                    [.text(table.sql), .text(identity.column), .text(String(position))],
                    purpose: "continue the identity of \(table).\(identity.column)")
            }
        }
    }
}

/// The catalog queries of an undo's checks.
private struct UndoReader {
    let table: QualifiedName
    let history: QualifiedName
    let connection: PostgresConnection

    func items(_ sql: String, _ parameters: [PostgresValue?], purpose: String) throws -> [String] {
        try connection.query(sql, parameters, purpose: purpose).rows.map { $0["item"] ?? "?" }
    }

    func read() throws -> UndoPlan {
        var plan = UndoPlan(table: table, history: history)
        guard
            let row = try connection.query(
                "SELECT c.oid::int8 AS oid, c.relkind::text AS relkind, pg_has_role(c.relowner, 'USAGE') AS can_alter"
                    + " FROM pg_class c WHERE c.oid = to_regclass($1)", [.text(table.sql)], purpose: "look up \(table)"
            ).rows.first
        else { return plan }
        plan.oid = try row.int64("oid")
        plan.facts.relkind = try row.string("relkind")
        guard plan.facts.relkind == "p" else { return plan }
        plan.facts.mayAlter = try row.bool("can_alter")
        let oid: PostgresValue = .text(String(plan.oid))
        var historyAttached = false
        for partition in try connection.query(
            """
            SELECT n.nspname::text AS schema, c.relname::text AS name,
                   pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM (MINVALUE)%' AS from_minvalue
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.inhparent = $1::oid ORDER BY c.relname
            """, [oid], purpose: "list the partitions of \(table)"
        ).rows {
            let name = QualifiedName(schema: try partition.string("schema"), name: try partition.string("name"))
            if name == history {
                historyAttached = try partition.bool("from_minvalue")
                continue
            }
            plan.others.append(name)
            let rows = try connection.query(
                "SELECT count(*)::int8 AS n FROM ONLY \(name.sql)", [], purpose: "count the rows of \(name)"
            ).rows[0].int64("n")
            if rows > 0 { plan.facts.rowsElsewhere[name.name] = rows }
        }
        plan.facts.historyAttached = historyAttached
        plan.facts.dependentViews = try items(
            """
            SELECT DISTINCT r.ev_class::regclass::text AS item FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
            WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::oid AND r.ev_class <> $1::oid ORDER BY 1
            """, [oid], purpose: "find views on \(table)")
        plan.facts.referencingForeignKeys = try items(
            "SELECT format('%s (on %s)', conname, conrelid::regclass) AS item FROM pg_constraint"
                + " WHERE confrelid = $1::oid AND contype = 'f' AND conparentid = 0 ORDER BY 1", [oid],
            purpose: "find foreign keys to \(table)")
        plan.facts.triggers = try items(
            "SELECT tgname::text AS item FROM pg_trigger WHERE tgrelid = $1::oid AND NOT tgisinternal ORDER BY 1",
            [oid], purpose: "find triggers on \(table)")
        plan.facts.publications = try items(
            "SELECT p.pubname::text AS item FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid"
                + " WHERE r.prrelid = $1::oid ORDER BY 1", [oid], purpose: "find publications of \(table)")
        let ledger = QualifiedName(schema: "partmand", name: "retirement")
        let ledgerExists = try connection.query(
            "SELECT to_regclass($1) IS NOT NULL AS present", [.text(ledger.sql)], purpose: "look for \(ledger)"
        ).rows[0].bool("present")
        if ledgerExists {
            plan.facts.unfinishedRetirements = try items(
                "SELECT partition_name AS item FROM \(ledger.sql) WHERE parent_oid = $1::oid ORDER BY 1", [oid],
                purpose: "find unfinished retirements of \(table)")
        }
        for identity in try connection.query(
            """
            SELECT a.attname::text AS column, a.attidentity::text AS kind, n.nspname::text AS seq_schema,
                   s.relname::text AS seq_name,
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum
                           AND i.indpred IS NULL) AS indexed
            FROM pg_attribute a
            JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid
                            AND d.refobjsubid = a.attnum AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_namespace n ON n.oid = s.relnamespace
            WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity <> ''
            ORDER BY a.attnum
            """, [oid], purpose: "find identity columns of \(table)"
        ).rows {
            plan.identities.append(
                (
                    try identity.string("column"), try identity.string("kind"),
                    QualifiedName(schema: try identity.string("seq_schema"), name: try identity.string("seq_name")),
                    try identity.bool("indexed")
                ))
        }
        plan.ownedSequences = try connection.query(
            """
            SELECT n.nspname::text AS schema, s.relname::text AS name, a.attname::text AS column
            FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_namespace n ON n.oid = s.relnamespace
            JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
              AND d.refobjid = $1::oid AND d.deptype = 'a'
            ORDER BY 1, 2
            """, [oid], purpose: "find sequences owned by \(table)"
        ).rows.map {
            (QualifiedName(schema: try $0.string("schema"), name: try $0.string("name")), try $0.string("column"))
        }
        return plan
    }
}
