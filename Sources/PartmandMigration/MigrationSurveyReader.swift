import Foundation
import PartmandCore
import PartmandEngine
import PartmandPostgres

/// Reads the survey before a migration and the verification after it. Reads only (ACCESS SHARE).
enum MigrationSurveyReader {
    /// The table's size, indexes, constraints and dependents, and what the migration will make.
    static func survey(
        _ inspection: MigrationInspection, layout: MigrationLayout, on connection: PostgresConnection
    ) throws -> MigrationSurvey {
        let oid: PostgresValue = .text(String(inspection.details.oid))
        let sizes = try connection.query(
            """
            SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::int8 END AS estimate,
                   pg_table_size(c.oid)::int8 AS table_bytes, pg_indexes_size(c.oid)::int8 AS index_bytes
            FROM pg_class c WHERE c.oid = $1::oid
            """, [oid], purpose: "read the size of the table"
        ).rows[0]
        let indexes = try connection.query(
            """
            SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition,
                   pg_relation_size(i.indexrelid)::int8 AS bytes, i.indisvalid AS valid
            FROM pg_index i WHERE i.indrelid = $1::oid ORDER BY 1
            """, [oid], purpose: "read the indexes of the table"
        ).rows.map {
            MigrationSurvey.Index(
                name: try $0.string("name"), definition: try $0.string("definition"), bytes: try $0.int64("bytes"),
                valid: try $0.bool("valid"))
        }
        let constraints = try connection.query(
            "SELECT conname::text AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                + " WHERE conrelid = $1::oid ORDER BY conname", [oid], purpose: "read the constraints of the table"
        ).rows.map { MigrationSurvey.Constraint(name: try $0.string("name"), definition: try $0.string("definition")) }
        let details = inspection.details
        let sequences =
            details.identities.map { "\($0.column) identity (\($0.sequence))" }
            + details.ownedSequences.map { "\($0.column) serial (\($0.schema).\($0.name))" }
        let partitions =
            layout.newPartitions.map {
                "\($0.name.name) [\($0.range.lower), \($0.range.upper))"
            } + (layout.newDefault.map { ["\($0.name) DEFAULT"] } ?? [])
        let facts = inspection.facts
        return MigrationSurvey(
            estimatedRows: try sizes.optionalInt64("estimate"), tableBytes: try sizes.int64("table_bytes"),
            indexBytes: try sizes.int64("index_bytes"), indexes: indexes, constraints: constraints,
            dependentViews: facts.dependentViews, referencingForeignKeys: facts.referencingForeignKeys,
            triggers: facts.triggers, sequences: sequences, cutoff: ISO8601.string(layout.cutoff),
            partitions: partitions)
    }

    /// Counts and checks after the swap, in one read-only REPEATABLE READ snapshot: every partition's
    /// rows (a scan of the whole table), the rows the new parent shows, its indexes, its sequences.
    static func verify(_ steps: MigrationSteps, on connection: PostgresConnection) throws -> MigrationVerification {
        let table = steps.table
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", purpose: "verify \(table)")
        do {
            let result = try readVerification(steps, on: connection)
            try connection.execute("COMMIT", purpose: "verify \(table)")
            return result
        } catch {
            _ = try? connection.execute("ROLLBACK", purpose: "verify \(table)")
            throw error
        }
    }

    private static func readVerification(_ steps: MigrationSteps, on connection: PostgresConnection) throws
        -> MigrationVerification
    {
        let table = steps.table
        let history = steps.history
        let same = try connection.query(
            "SELECT coalesce(to_regclass($1)::oid::int8 = $2::int8, false) AS same",
            [.text(history.sql), .text(String(steps.details.oid))], purpose: "identify \(history)"
        ).rows[0].bool("same")
        var partitions: [MigrationVerification.PartitionCount] = []
        var historyRows: Int64 = 0
        for row in try connection.query(
            """
            SELECT n.nspname::text AS schema, c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bounds
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.inhparent = to_regclass($1)
            ORDER BY pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', c.relname
            """, [.text(table.sql)], purpose: "list the partitions of \(table)"
        ).rows {
            let name = QualifiedName(schema: try row.string("schema"), name: try row.string("name"))
            let rows = try connection.query(
                "SELECT count(*)::int8 AS n FROM ONLY \(name.sql)", [], purpose: "count the rows of \(name)"
            ).rows[0].int64("n")
            if name == history { historyRows = rows }
            partitions.append(.init(name: name.name, bounds: try row.string("bounds"), rows: rows))
        }
        let counts = try connection.query(
            "SELECT count(*)::int8 AS total, count(*) FILTER (WHERE \(steps.key) < \(steps.details.cutoffLiteral))::int8"
                + " AS before FROM \(table.sql)", [], purpose: "count the rows of \(table)"
        ).rows[0]
        let indexes = try connection.query(
            """
            SELECT i.indexrelid::regclass::text AS name, i.indisvalid AS valid FROM pg_index i
            WHERE i.indrelid = to_regclass($1)
               OR i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass($1))
            ORDER BY 1
            """, [.text(table.sql)], purpose: "check the indexes of \(table)"
        ).rows.map { MigrationVerification.IndexState(name: try $0.string("name"), valid: try $0.bool("valid")) }
        let columns = steps.details.identities.map(\.column) + steps.details.ownedSequences.map(\.column)
        var sequences: [MigrationVerification.SequenceState] = []
        for column in columns {
            let row = try connection.query(
                """
                SELECT s.seq AS sequence, pg_sequence_last_value(s.seq::regclass) AS position,
                       (SELECT max(\(SQL.identifier(column)))::int8 FROM \(table.sql)) AS largest
                FROM (SELECT pg_get_serial_sequence($1, $2) AS seq) s
                """, [.text(table.sql), .text(column)], purpose: "check the sequence of \(table).\(column)"
            ).rows[0]
            sequences.append(
                .init(
                    column: column, sequence: row["sequence"] ?? "none", position: try row.optionalInt64("position"),
                    largest: try row.optionalInt64("largest")))
        }
        return MigrationVerification(
            historyIsOldTable: same, history: history.name, oldTableRows: historyRows,
            newTableRowsBeforeCutoff: try counts.int64("before"), newTableRows: try counts.int64("total"),
            partitions: partitions, indexes: indexes, sequences: sequences)
    }
}
