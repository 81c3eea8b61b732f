import Foundation
import PartmandCore
import PartmandMigration
import Testing

/// The verification after a swap, the survey before it, and the JSON document: pure, no database.
@Suite struct MigrationVerificationTests {
    private func verification(
        old: Int64 = 100, before: Int64 = 100, total: Int64 = 103, partitionRows: [Int64] = [100, 3, 0],
        valid: Bool = true, position: Int64? = 250, largest: Int64? = 250, same: Bool = true
    ) -> MigrationVerification {
        MigrationVerification(
            historyIsOldTable: same, history: "events_history", oldTableRows: old, newTableRowsBeforeCutoff: before,
            newTableRows: total,
            partitions: zip(["events_history", "events_p20270101", "events_default"], partitionRows).map {
                .init(name: $0.0, bounds: "…", rows: $0.1)
            },
            indexes: [.init(name: "events_pkey", valid: true), .init(name: "events_history_pkey", valid: valid)],
            sequences: [.init(column: "id", sequence: "public.events_id_seq", position: position, largest: largest)])
    }

    private func failed(_ verification: MigrationVerification) -> [String] {
        verification.checks.filter { !$0.passed }.map(\.name)
    }

    @Test func consistentCountsPassEveryCheck() {
        let verification = verification()
        #expect(verification.passed)
        #expect(
            verification.checks.map(\.name) == [
                "events_history is the old table (no row copied)", "rows in old == rows in new: 100",
                "every row in a partition: 103", "2 indexes valid", "public.events_id_seq past max(id)",
            ])
        #expect(verification.lines.contains("rows in events_p20270101 (…): 3"))
        #expect(verification.lines.contains("sequence public.events_id_seq: at 250, max(id) 250"))
    }

    @Test func eachInconsistencyFailsItsOwnCheck() {
        #expect(failed(verification(same: false)) == ["events_history is the old table (no row copied)"])
        #expect(failed(verification(before: 99)) == ["rows in old == rows in new: 100"])
        #expect(failed(verification(partitionRows: [100, 2, 0])) == ["every row in a partition: 103"])
        #expect(failed(verification(valid: false)) == ["2 indexes valid"])
        #expect(failed(verification(position: 249)) == ["public.events_id_seq past max(id)"])
        #expect(failed(verification(position: nil)) == ["public.events_id_seq past max(id)"])
        let behind = verification(position: 249).checks.last?.refusal ?? ""
        #expect(behind.contains("is at 249, below max(id) = 250: ids would repeat"))
    }

    @Test func emptyTableWithAFreshSequencePasses() {
        #expect(
            verification(old: 0, before: 0, total: 0, partitionRows: [0, 0, 0], position: nil, largest: nil).passed)
    }

    @Test func surveyLinesAndSizes() {
        let survey = MigrationSurvey(
            estimatedRows: nil, tableBytes: 8192, indexBytes: 3 * 1024 * 1024 * 1024,
            indexes: [.init(name: "events_pkey", definition: "CREATE UNIQUE INDEX …", bytes: 16384, valid: false)],
            constraints: [.init(name: "events_pkey", definition: "PRIMARY KEY (id, received_at)")],
            triggers: ["audit"], sequences: ["id identity (public.events_id_seq)"], cutoff: "2027-01-01T00:00:00Z",
            partitions: ["events_p20270101 [2027-01-01T00:00:00Z, 2027-02-01T00:00:00Z)", "events_default DEFAULT"])
        #expect(
            survey.lines == [
                "rows (estimate): unknown (never analyzed)", "size: table 8192 bytes, indexes 3072 MB",
                "index events_pkey (16 kB, INVALID): CREATE UNIQUE INDEX …",
                "constraint events_pkey: PRIMARY KEY (id, received_at)",
                "sequences: id identity (public.events_id_seq)", "dependent views: none",
                "foreign keys referencing it: none", "triggers: audit", "cutoff: 2027-01-01T00:00:00Z",
                "partitions to make: events_p20270101 [2027-01-01T00:00:00Z, 2027-02-01T00:00:00Z), events_default DEFAULT",
            ])
        #expect(MigrationSurvey.bytes(10 * 1024 * 1024 * 1024 * 1024) == "10 TB")
    }

    @Test func jsonDocumentHasStableKeys() throws {
        var report = MigrationReport(table: QualifiedName(schema: "public", name: "events"), outcome: .migrated)
        report.cutoff = try Date("2027-01-01T00:00:00Z", strategy: .iso8601)
        report.checks = [.init(name: "plain table", refusal: nil)]
        report.verification = verification()
        let text = try MigrationReportDocument(report, dryRun: false).encoded()
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "table", "outcome", "succeeded", "dry_run", "cutoff", "checks", "steps", "survey", "verification",
                "verification_error", "error", "sqlstate", "leftovers",
            ])
        #expect(object["survey"] is NSNull)
        #expect(object["outcome"] as? String == "migrated")
        #expect(object["succeeded"] as? Bool == true)
        #expect(object["cutoff"] as? String == "2027-01-01T00:00:00Z")
        let verification = try #require(object["verification"] as? [String: Any])
        #expect(Set(verification.keys) == ["passed", "checks", "counts"])
        let counts = try #require(verification["counts"] as? [String: Any])
        #expect(
            Set(counts.keys) == [
                "history_is_old_table", "history", "old_table_rows", "new_table_rows_before_cutoff", "new_table_rows",
                "partitions", "indexes", "sequences",
            ])
    }
}
