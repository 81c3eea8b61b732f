import Foundation
import PartmandCore
import PartmandPostgres

/// `partmand setup`: registers `engine: pg_partman` tables with pg_partman (create_parent with the
/// installed version's signature, then premake, retention, retention_keep_table and
/// infinite_time_partitions), and creates native parents from their `create:` SQL file.
public struct PartmanSetup {
    /// One change setup made, would make, or refused.
    public struct Step: Sendable, CustomStringConvertible {
        public var table: QualifiedName?
        public var message: String
        public var changed: Bool
        public var failed: Bool
        public var description: String { (table.map { "\($0): " } ?? "") + message }
    }

    let connection: PostgresConnection
    let options: PartmanOptions
    let dryRun: Bool
    let update: Bool

    public init(connection: PostgresConnection, options: PartmanOptions, dryRun: Bool, update: Bool) {
        self.connection = connection
        self.options = options
        self.dryRun = dryRun
        self.update = update
    }

    /// The part_config settings setup manages for a set.
    struct Settings: Equatable {
        var premake: Int
        /// The retention interval as text; nil for none.
        var retention: String?
        var retentionKeepTable: Bool
        var infiniteTimePartitions: Bool

        /// Each setting as its part_config column and value (nil for NULL), ordered by column name.
        var columns: [(name: String, value: String?)] {
            [
                ("infinite_time_partitions", String(infiniteTimePartitions)), ("premake", String(premake)),
                ("retention", retention), ("retention_keep_table", String(retentionKeepTable)),
            ]
        }
    }

    /// The settings part_config should hold for `spec`: partitions are kept (detached) unless they are dropped.
    static func desired(_ spec: TableSpec) -> Settings {
        Settings(
            premake: spec.premake, retention: spec.retention.map(\.description),
            retentionKeepTable: spec.retention == nil || spec.retentionAction != .drop,
            infiniteTimePartitions: spec.infiniteTimePartitions)
    }

    /// The settings part_config holds for `set` (an empty retention counts as none).
    static func current(_ set: PartmanSet) -> Settings {
        Settings(
            premake: set.premake, retention: set.retention.flatMap { $0.isEmpty ? nil : $0 },
            retentionKeepTable: set.retentionKeepTable, infiniteTimePartitions: set.infiniteTimePartitions)
    }

    public func run(_ specs: [TableSpec]) throws -> [Step] {
        var steps: [Step] = []
        let partmanSpecs = specs.filter { $0.engine == .pgPartman }
        for spec in specs where spec.engine == .native {
            steps.append(try setUpNative(spec))
        }
        guard !partmanSpecs.isEmpty else { return steps }
        var installed = try PartmanExtension.find(on: connection)
        if installed == nil {
            guard options.createExtension else {
                steps.append(
                    Step(
                        table: nil,
                        message: "\(PartmanExtension.missing); install it (CREATE EXTENSION pg_partman SCHEMA "
                            + "\(options.schema)) or set pg_partman.create_extension: true", changed: false,
                        failed: true))
                return steps
            }
            if dryRun {
                steps.append(
                    Step(
                        table: nil, message: "would create extension pg_partman in schema \(options.schema)",
                        changed: true, failed: false))
                return steps
            }
            try connection.execute(
                "CREATE SCHEMA IF NOT EXISTS \(SQL.identifier(options.schema))",
                purpose: "create schema \(options.schema)")
            try connection.execute(
                "CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA \(SQL.identifier(options.schema))",
                purpose: "create extension pg_partman")
            installed = try PartmanExtension.find(on: connection)
            steps.append(
                Step(
                    table: nil,
                    message: "created extension pg_partman \(installed?.version ?? "?") in schema \(options.schema)",
                    changed: true, failed: false))
        }
        guard let installed else { return steps }
        let sets = try PartmanSets.read(installed, parents: partmanSpecs.map(\.parent), on: connection)
        for spec in partmanSpecs {
            do {
                steps += try setUp(spec, existing: sets[PartmanSet.parentTable(spec.parent)], partman: installed)
            } catch {
                steps.append(
                    Step(
                        table: spec.parent, message: "\(TableError(table: spec.parent, error).message)", changed: false,
                        failed: true))
            }
        }
        return steps
    }

    private func exists(_ table: QualifiedName) throws -> Bool {
        try connection.query("SELECT to_regclass($1) IS NOT NULL AS e", [.text(table.sql)], purpose: "look up \(table)")
            .rows[0].bool("e")
    }

    private func setUpNative(_ spec: TableSpec) throws -> Step {
        if try exists(spec.parent) {
            return Step(table: spec.parent, message: "exists; nothing to do", changed: false, failed: false)
        }
        guard let file = spec.createFile else {
            return Step(
                table: spec.parent,
                message: "table does not exist and has no create: SQL file; create it with"
                    + " PARTITION BY RANGE (\(spec.column)) or set create:", changed: false, failed: true)
        }
        let sql: String
        do {
            sql = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            return Step(
                table: spec.parent, message: "cannot read \(file): \(error.localizedDescription)", changed: false,
                failed: true)
        }
        if dryRun { return Step(table: spec.parent, message: "would run \(file)", changed: true, failed: false) }
        try connection.execute("BEGIN", purpose: "create \(spec.parent)")
        do {
            try connection.executeScript(sql, purpose: "run \(file)")
            guard try exists(spec.parent) else {
                throw TableError(table: spec.parent, message: "\(file) ran but did not create \(spec.parent)")
            }
            try connection.execute("COMMIT", purpose: "create \(spec.parent)")
        } catch {
            _ = try? connection.execute("ROLLBACK", purpose: "roll back")
            throw error
        }
        return Step(table: spec.parent, message: "created from \(file)", changed: true, failed: false)
    }

    private func setUp(_ spec: TableSpec, existing: PartmanSet?, partman: PartmanExtension) throws -> [Step] {
        let parentTable = PartmanSet.parentTable(spec.parent)
        let desired = Self.desired(spec)
        guard let existing else {
            guard try exists(spec.parent) else {
                return [
                    Step(
                        table: spec.parent,
                        message: "table does not exist; create it (PARTITION BY RANGE (\(spec.column))) first",
                        changed: false, failed: true)
                ]
            }
            if dryRun {
                return [
                    Step(
                        table: spec.parent,
                        message:
                            "would register with pg_partman \(partman.version): interval \(spec.interval), premake \(spec.premake), retention \(desired.retention ?? "none")",
                        changed: true, failed: false)
                ]
            }
            // A table partmand maintained natively already has a default partition; pg_partman 5.x would
            // try to create its own (4.x has no such switch and fails, with its own message).
            let hasDefault =
                try connection.query(
                    "SELECT partdefid <> 0 AS has_default FROM pg_partitioned_table WHERE partrelid = to_regclass($1)",
                    [.text(spec.parent.sql)], purpose: "look for a default partition of \(spec.parent)"
                ).rows.first?.bool("has_default") ?? false
            let keepDefault = hasDefault && partman.major >= 5 ? ", p_default_table => false" : ""
            try connection.execute("BEGIN", purpose: "register \(spec.parent)")
            do {
                try connection.query(
                    "SELECT \(partman.function("create_parent"))(p_parent_table => $1, p_control => $2,"
                        + " p_type => $3, p_interval => $4, p_premake => $5::int\(keepDefault))",
                    [
                        .text(parentTable), .text(spec.column), .text(partman.rangeType),
                        .text(spec.interval.description), .text(String(spec.premake)),
                    ],
                    purpose: "pg_partman create_parent for \(spec.parent)")
                try apply(desired, to: parentTable, partman: partman)
                try connection.execute("COMMIT", purpose: "register \(spec.parent)")
            } catch {
                _ = try? connection.execute("ROLLBACK", purpose: "roll back")
                throw error
            }
            return [
                Step(
                    table: spec.parent, message: "registered with pg_partman \(partman.version)", changed: true,
                    failed: false)
            ]
        }
        var differences: [String] = []
        for (current, wanted) in zip(Self.current(existing).columns, desired.columns)
        where !(try same(current.name, current.value, wanted.value)) {
            differences.append("\(current.name): \(current.value ?? "null") -> \(wanted.value ?? "null")")
        }
        let intervalSame = try same("partition_interval", existing.partitionInterval, spec.interval.description)
        var steps: [Step] = []
        if !intervalSame || existing.control != spec.column {
            steps.append(
                Step(
                    table: spec.parent,
                    message:
                        "registered with interval \(existing.partitionInterval) on \(existing.control), configured \(spec.interval) on \(spec.column); setup never changes these (re-create the set by hand)",
                    changed: false, failed: true))
        }
        guard !differences.isEmpty else {
            return steps + [
                Step(
                    table: spec.parent, message: "already registered with these settings; nothing to do",
                    changed: false, failed: false)
            ]
        }
        let diff = differences.joined(separator: ", ")
        guard update else {
            return steps + [
                Step(
                    table: spec.parent,
                    message: "registered with other settings (\(diff)); run setup --update to apply", changed: false,
                    failed: true)
            ]
        }
        if dryRun {
            return steps + [Step(table: spec.parent, message: "would update \(diff)", changed: true, failed: false)]
        }
        try apply(desired, to: parentTable, partman: partman)
        return steps + [Step(table: spec.parent, message: "updated \(diff)", changed: true, failed: false)]
    }

    /// Whether two settings mean the same (intervals compared as intervals: '6 months' = '6 mons').
    private func same(_ key: String, _ current: String?, _ desired: String?) throws -> Bool {
        guard key == "retention" || key == "partition_interval", let current, let desired else {
            return current == desired
        }
        return try connection.query(
            "SELECT $1::interval = $2::interval AS same", [.text(current), .text(desired)], purpose: "compare intervals"
        ).rows[0].bool("same")
    }

    private func apply(_ desired: Settings, to parentTable: String, partman: PartmanExtension) throws {
        try connection.query(
            "UPDATE \(partman.partConfig) SET premake = $2::int, retention = $3,"
                + " retention_keep_table = $4::boolean, infinite_time_partitions = $5::boolean WHERE parent_table = $1",
            [
                .text(parentTable), PostgresValue(desired.premake), desired.retention.map(PostgresValue.text),
                PostgresValue(desired.retentionKeepTable), PostgresValue(desired.infiniteTimePartitions),
            ], purpose: "set pg_partman settings of \(parentTable)")
    }
}
