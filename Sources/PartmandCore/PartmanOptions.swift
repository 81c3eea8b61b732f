/// The top-level `pg_partman:` settings.
public struct PartmanOptions: Hashable, Sendable {
    /// Which pg_partman sets a pass maintains.
    public enum Selection: String, Hashable, Sendable, CaseIterable {
        /// Every part_config set with `automatic_maintenance = 'on'`, read at pass time.
        case all
        /// Only the tables configured with `engine: pg_partman`.
        case listed
    }

    public var tables: Selection
    /// Whether `partmand setup` may run `CREATE EXTENSION pg_partman`.
    public var createExtension: Bool
    /// The schema `partmand setup` creates the extension in (an installed extension is found wherever it is).
    public var schema: String
    /// Passed to pg_partman as `p_jobmon`.
    public var jobmon: Bool

    public init(
        tables: Selection = .listed, createExtension: Bool = false, schema: String = "partman", jobmon: Bool = false
    ) {
        self.tables = tables
        self.createExtension = createExtension
        self.schema = schema
        self.jobmon = jobmon
    }
}
