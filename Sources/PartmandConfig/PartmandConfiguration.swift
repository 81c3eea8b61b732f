import Foundation
import PartmandCore

/// The effective configuration of partmand.
public struct PartmandConfiguration: Sendable {
    public var database: DatabaseSettings
    public var maintenance: MaintenanceSettings
    public var schedule: ScheduleSettings
    public var tables: [TableSpec]
    /// Where the configuration was read from.
    public var source: String
}

/// How to reach PostgreSQL.
public struct DatabaseSettings: Sendable {
    /// A libpq conninfo string or a `postgres://` URL; empty means libpq's defaults (PG* variables, pgpass, service files).
    public var conninfo: String
    public var poolSize: Int
    /// Seconds libpq waits for a connection (its `connect_timeout`); nil leaves libpq's default.
    public var connectTimeout: Int?
    /// Whether `PARTMAND_DATABASE_URL` replaced the file's connection.
    public var fromEnvironment: Bool
}

/// When the daemon runs its passes.
public struct ScheduleSettings: Sendable {
    /// Times of day, "HH:MM".
    public var at: [TimeOfDay]
    /// The zone of `at`; nil means the system's local zone.
    public var timeZone: TimeZone?
    /// A fixed period between passes, instead of `at`.
    public var every: Duration?
    public var runOnStart: Bool
    public var jitter: Duration
    public var retryAfter: Duration
}
