import Foundation
import PartmandCore

/// `partmand migrate --json`: the report as one JSON object with stable keys (docs/migrate.md, "JSON").
/// Pure shaping of a `MigrationReport`; `encoded()` gives the text.
public struct MigrationReportDocument: Sendable, Encodable {
    /// A check and, when it failed, why.
    public struct Check: Sendable, Encodable {
        public var name: String
        public var passed: Bool
        public var refusal: String?

        private enum CodingKeys: String, CodingKey { case name, passed, refusal }

        /// Every key, null included.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(passed, forKey: .passed)
            try container.encode(refusal, forKey: .refusal)
        }
    }

    /// The verification after the swap with its checks.
    public struct Verification: Sendable, Encodable {
        public var passed: Bool
        public var checks: [Check]
        public var counts: MigrationVerification
    }

    public var table: String
    /// `migrated`, `already_partitioned`, `would_migrate`, `refused`, `failed`.
    public var outcome: String
    public var succeeded: Bool
    public var dryRun: Bool
    /// ISO-8601; the history partition's upper bound.
    public var cutoff: String?
    public var checks: [Check]
    public var steps: [String]
    public var survey: MigrationSurvey?
    public var verification: Verification?
    public var verificationError: String?
    public var error: String?
    public var sqlstate: String?
    public var leftovers: [String]

    public init(_ report: MigrationReport, dryRun: Bool) {
        func check(_ result: MigrationCheckResult) -> Check {
            Check(name: result.name, passed: result.passed, refusal: result.refusal)
        }
        table = report.table.description
        outcome =
            switch report.outcome {
            case .migrated: "migrated"
            case .alreadyPartitioned: "already_partitioned"
            case .wouldMigrate: "would_migrate"
            case .refused: "refused"
            case .failed: "failed"
            }
        succeeded = report.succeeded
        self.dryRun = dryRun
        cutoff = report.cutoff.map(ISO8601.string)
        checks = report.checks.map(check)
        steps = report.steps
        survey = report.survey
        verification = report.verification.map {
            Verification(passed: $0.passed, checks: $0.checks.map(check), counts: $0)
        }
        verificationError = report.verificationError
        error = report.error?.message
        sqlstate = report.error?.sqlState
        leftovers = report.leftovers
    }

    private enum CodingKeys: String, CodingKey {
        case table, outcome, succeeded, dryRun, cutoff, checks, steps, survey, verification, verificationError, error
        case sqlstate, leftovers
    }

    /// Every key, null included: the keys are the same for every outcome.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(table, forKey: .table)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(cutoff, forKey: .cutoff)
        try container.encode(checks, forKey: .checks)
        try container.encode(steps, forKey: .steps)
        try container.encode(survey, forKey: .survey)
        try container.encode(verification, forKey: .verification)
        try container.encode(verificationError, forKey: .verificationError)
        try container.encode(error, forKey: .error)
        try container.encode(sqlstate, forKey: .sqlstate)
        try container.encode(leftovers, forKey: .leftovers)
    }

    /// The document as JSON: snake_case keys, sorted, pretty-printed.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
