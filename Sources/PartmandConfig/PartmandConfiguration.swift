import Foundation
import Logging
import PartmandCore
import PartmandLogging
import PartmandTime

/// The effective configuration of partmand.
public struct PartmandConfiguration: Sendable {
    public var database: DatabaseSettings
    public var maintenance: MaintenanceSettings
    public var schedule: ScheduleSettings
    public var log: LogSettings
    /// Thresholds of `partmand health`.
    public var health = HealthSettings()
    /// The `metrics:` section: `/metrics` and `/healthz` over HTTP (`partmand run` only).
    public var metrics = MetricsSettings()
    /// The `history:` section: the run history table; nil when off.
    public var history: HistorySettings?
    /// The tables to maintain; with `history:`, the history table first (unless `tables:` lists it).
    public var tables: [TableSpec]
    /// The `pg_partman:` section.
    public var partman: PartmanOptions = PartmanOptions()
    /// The top-level `engine:` (the default for tables without their own).
    public var engine: EngineKind = .native
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
    /// Where the file's `url` or `conninfo` holds a password (nil when it holds none), kept when
    /// `PARTMAND_DATABASE_URL` replaces the connection: the file still holds it.
    public var passwordLocation: ConfigLocation? = nil
}

/// When the daemon runs its passes.
public struct ScheduleSettings: Sendable {
    /// Times of day, "HH:MM".
    public var at: [TimeOfDay]
    /// The zone of `at`; nil means the system's local zone.
    public var timeZone: Zone?
    /// A fixed period between passes, instead of `at`.
    public var every: Duration?
    public var runOnStart: Bool
    /// A random delay of up to this much before each scheduled pass (spreads a fleet's load).
    public var jitter: Duration
    /// How long after a failed table is retried on its own (doubling each time).
    public var retryAfter: Duration
    /// How long a stopping daemon waits for the running statement to be cancelled and rolled back.
    public var shutdownTimeout: Duration

    /// The schedule these settings describe: `every` if set, else the `at` times in `timeZone`
    /// (`systemZone` when nil).
    public func schedule(systemZone: Zone) -> Schedule {
        let zone = timeZone ?? systemZone
        if let every { return Schedule(cadence: .every(every), timeZone: zone) }
        return Schedule(cadence: .daily(at), timeZone: zone)
    }
}

/// What `partmand health` judges against.
public struct HealthSettings: Sendable, Equatable {
    /// A table whose advisory lock some session has held longer than this is a WARNING: a pass that
    /// hangs, or a dead partmand whose backend lives on, keeps every later pass off the table.
    public var heldLockWarning: Duration = .seconds(3600)

    public init(heldLockWarning: Duration = .seconds(3600)) {
        self.heldLockWarning = heldLockWarning
    }
}

/// Logging defaults; command-line options win.
public struct LogSettings: Sendable {
    public var level: Logger.Level
    /// For lines on stderr (the journal gets native entries).
    public var format: LogFormat
}
