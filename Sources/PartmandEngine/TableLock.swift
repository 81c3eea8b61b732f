import Foundation
import PartmandCore
import PartmandPostgres

/// partmand's per-table session advisory lock: keys ('part', parent OID). Whoever holds it marks its
/// session's `application_name` with the moment it took the lock, so `plan`, `health` and a skipped
/// pass can tell who holds a table, and for how long.
public final class TableLock {
    /// The first key of the two-part lock ('part'); the second is the parent's OID.
    static let keyClass: Int64 = 0x7061_7274
    /// The prefix of a holding session's `application_name`: `partmand: table lock since <instant>`.
    static let holderPrefix = "partmand: table lock since "

    let key: Int64
    /// The session's `application_name`, `lock_timeout` and `statement_timeout` before the lock was
    /// taken, given back by `release`.
    private let previous: (applicationName: String, lockTimeout: String, statementTimeout: String)
    /// Set by the first `release`: later ones do nothing.
    private var released = false

    private init(key: Int64, previous: (applicationName: String, lockTimeout: String, statementTimeout: String)) {
        self.key = key
        self.previous = previous
    }

    /// What `acquire` found.
    enum Acquisition {
        /// No such table.
        case missing
        /// Another session holds the lock.
        case busy
        case acquired(TableLock)
    }

    /// Looks `table` up and takes its lock without waiting, in one round trip. When taken, the session
    /// is marked (its `application_name`) and, with `timeouts`, gets them as its session-level
    /// `lock_timeout` and `statement_timeout` until `release`.
    static func acquire(
        _ table: QualifiedName, timeouts: (lock: Duration, statement: Duration)?, on connection: PostgresConnection
    ) throws(PostgresError) -> Acquisition {
        try acquire(oid: "to_regclass($2)::oid", table.sql, timeouts: timeouts, on: connection)
    }

    /// Takes the lock of the table whose OID is `oid` without waiting; nil when another session holds it.
    public static func tryAcquire(parent oid: Int64, on connection: PostgresConnection) throws(PostgresError)
        -> TableLock?
    {
        guard case .acquired(let lock) = try acquire(oid: "$2::oid", String(oid), timeouts: nil, on: connection)
        else { return nil }
        return lock
    }

    private static func acquire(
        oid expression: String, _ argument: String, timeouts: (lock: Duration, statement: Duration)?,
        on connection: PostgresConnection
    ) throws(PostgresError) -> Acquisition {
        // The settings are read (a materialized CTE, evaluated first) before they are changed.
        let row = try connection.query(
            """
            WITH previous AS MATERIALIZED (
                SELECT current_setting('application_name') AS app, current_setting('lock_timeout') AS lt,
                       current_setting('statement_timeout') AS st)
            SELECT t.oid::int8 AS oid, l.locked, p.app, p.lt, p.st,
                   CASE WHEN l.locked THEN set_config('application_name', \(holderMark(prefix: "$3")), false) END
                       AS marked,
                   CASE WHEN l.locked AND $4::text IS NOT NULL THEN set_config('lock_timeout', $4, false) END AS lt_set,
                   CASE WHEN l.locked AND $5::text IS NOT NULL THEN set_config('statement_timeout', $5, false) END AS st_set
            FROM previous AS p
            CROSS JOIN (SELECT \(expression) AS oid) AS t
            CROSS JOIN LATERAL pg_try_advisory_lock(($1::int8 << 32) | t.oid::int8) AS l(locked)
            """,
            [
                .text(String(keyClass)), .text(argument), .text(holderPrefix),
                timeouts.map { .text($0.lock.settingText) }, timeouts.map { .text($0.statement.settingText) },
            ],
            purpose: "lock table \(argument)", prepared: true
        ).rows[0]
        guard let oid = try row.optionalInt64("oid") else { return .missing }
        guard try row.bool("locked") else { return .busy }
        return .acquired(
            TableLock(
                key: key(parent: UInt32(oid)),
                previous: (try row.string("app"), try row.string("lt"), try row.string("st"))))
    }

    /// The lock of the table whose OID is `oid`, taken at session level by a statement of the caller's,
    /// while the session's settings were `previous`: released like one taken by `acquire`.
    static func adopt(
        parent oid: UInt32, previous: (applicationName: String, lockTimeout: String, statementTimeout: String)
    )
        -> TableLock
    {
        TableLock(key: key(parent: oid), previous: previous)
    }

    /// The `application_name` of a session that holds a table lock, as an SQL expression: `holderPrefix`
    /// (given as the parameter `prefix`) and the moment, which `holders` reads back.
    static func holderMark(prefix: String) -> String {
        "\(prefix) || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    /// The lock's key for the table whose OID is `oid`.
    static func key(parent oid: UInt32) -> Int64 { keyClass << 32 | Int64(oid) }

    /// Releases the session-level lock of the table whose OID is `oid` if this session holds it (after
    /// a statement that may have taken it failed); true when it did.
    static func releaseIfHeld(parent oid: UInt32, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        // pg_locks lists a lock once however many times the session took it; a failed statement took it once.
        try connection.query(
            """
            SELECT pg_advisory_unlock($1::int8) AS unlocked FROM pg_locks
            WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid = $2::oid AND objid = $3::oid
            """,
            [.text(String(key(parent: oid))), .text(String(keyClass)), .text(String(oid))],
            purpose: "release table lock after a failed statement"
        ).rows.contains { $0["unlocked"] == "t" }
    }

    /// Releases the lock and gives the session its own `application_name`, `lock_timeout` and
    /// `statement_timeout` back. Does nothing once released.
    public func release(on connection: PostgresConnection) {
        guard !released, connection.isOpen else { return }
        released = true
        _ = try? connection.query(
            "SELECT \(Self.unlock)", unlockParameters, purpose: "unlock table", prepared: true)
    }

    /// `release`, reading in the same statement (one round trip) the names of the partitions of the table
    /// whose OID is `oid`, as they are after what ran under the lock. When it fails, the lock counts as
    /// held still: a later `release` unlocks (or finds it unlocked already).
    func release(on connection: PostgresConnection, readingPartitionNamesOf oid: UInt32) throws(PostgresError)
        -> Set<QualifiedName>
    {
        precondition(!released, "the table lock was released already")
        // One row per partition (one row without names when there is none). The unlock runs once: a
        // MATERIALIZED CTE is evaluated once however the join reads it. Plain rows, not json_agg: decoding
        // JSON cost a sixth of a pass's client CPU over 500 pg_partman sets.
        let result = try connection.query(
            """
            WITH u AS MATERIALIZED (SELECT \(Self.unlock))
            SELECT u.unlocked, n.nspname AS schema, c.relname AS name
            FROM u
            LEFT JOIN (pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                       JOIN pg_namespace n ON n.oid = c.relnamespace) ON i.inhparent = $5::oid
            """,
            unlockParameters + [.text(String(oid))], purpose: "unlock table and read its partition names",
            prepared: true)
        released = true
        var names = Set<QualifiedName>()
        for row in result.rows {
            if let schema = row["schema"], let name = row["name"] {
                names.insert(QualifiedName(schema: schema, name: name))
            }
        }
        return names
    }

    /// The unlock and the settings given back, as the select list of a statement with parameters $1–$4
    /// (`unlockParameters`).
    private static let unlock = """
        pg_advisory_unlock($1::int8) AS unlocked, set_config('application_name', $2, false) AS app,
               set_config('lock_timeout', $3, false) AS lt, set_config('statement_timeout', $4, false) AS st
        """

    private var unlockParameters: [PostgresValue?] {
        [
            .text(String(key)), .text(previous.applicationName), .text(previous.lockTimeout),
            .text(previous.statementTimeout),
        ]
    }

    /// Who holds the locks of the tables `names`, by name (tables that do not exist are left out).
    static func holders(of names: [QualifiedName], on connection: PostgresConnection) throws(PostgresError)
        -> [QualifiedName: LockHolder]
    {
        guard !names.isEmpty else { return [:] }
        let request = names.enumerated().map { index, name in
            ["i": String(index), "schema": name.schema, "name": name.name]
        }
        let json = String(decoding: try! JSONEncoder().encode(request), as: UTF8.self)
        // Names are looked up in pg_namespace and pg_class, which every role may read: to_regclass would
        // fail for a schema the role may not use (e.g. pg_partman's, for a read-only monitoring role).
        let result = try connection.query(
            """
            SELECT t.i, l.pid, a.application_name, a.state,
                   host(a.client_addr) AS client, left(a.query, 200) AS query,
                   extract(epoch FROM coalesce(a.state_change, a.backend_start))::text AS state_since,
                   extract(epoch FROM now())::text AS server_now
            FROM jsonb_to_recordset($2::jsonb) AS t(i int, schema text, name text)
            JOIN pg_namespace n ON n.nspname = t.schema
            JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
            JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                           AND l.classid = $1::int8::oid AND l.objid = c.oid
            LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            """,
            [.text(String(keyClass)), .text(json)],
            purpose: "look up holders of partmand's table locks")
        var holders: [QualifiedName: LockHolder] = [:]
        for row in result.rows {
            let application = row["application_name"] ?? ""
            let since =
                application.hasPrefix(holderPrefix)
                ? try? Date(String(application.dropFirst(holderPrefix.count)), strategy: .iso8601) : nil
            let stateSince = try row.optionalDouble("state_since").map(Date.init(timeIntervalSince1970:))
            let serverNow = Date(timeIntervalSince1970: try row.double("server_now"))
            holders[names[try row.int("i")]] = LockHolder(
                pid: Int32(try row.int64("pid")), applicationName: application, state: row["state"],
                client: row["client"], query: row["query"], since: since,
                heldFor: (since ?? stateSince).map { serverNow.timeIntervalSince($0) })
        }
        return holders
    }
}

/// The session holding a table's advisory lock, as `pg_stat_activity` shows it.
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var applicationName: String
    /// `active`, `idle`, `idle in transaction`…; nil when the session is not visible to this role.
    public var state: String?
    /// The client's address; nil over a Unix-domain socket.
    public var client: String?
    /// The session's current or last statement (cut to 200 characters).
    public var query: String?
    /// When a partmand took the lock (from its `application_name`); nil when the holder is not a
    /// partmand of this version.
    public var since: Date?
    /// How long the lock had been held when it was looked up, by the server's clock: since `since`,
    /// or, for a holder that is not a partmand, at least since its session last changed state.
    public var heldFor: TimeInterval?

    public init(
        pid: Int32, applicationName: String, state: String?, client: String?, query: String?, since: Date?,
        heldFor: TimeInterval?
    ) {
        self.pid = pid
        self.applicationName = applicationName
        self.state = state
        self.client = client
        self.query = query
        self.since = since
        self.heldFor = heldFor
    }

    /// Whether the holder says it is a partmand.
    public var isPartmand: Bool { since != nil }

    public var description: String {
        var parts = ["pid \(pid)"]
        if let client { parts.append("from \(client)") }
        parts.append(isPartmand ? "a partmand" : "application '\(applicationName)'")
        if let since { parts.append("holding it since \(ISO8601.string(since))") }
        if let heldFor { parts.append("held \(Wording.span(heldFor))") }
        if let state {
            parts.append(state + (state == "active" ? ": \(query ?? "?")" : ""))
        }
        return parts.joined(separator: ", ")
    }
}
