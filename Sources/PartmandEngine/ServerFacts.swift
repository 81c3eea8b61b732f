import PartmandPostgres

/// What a pass or a plan learns about the server before it looks at any table: its role and its clock.
struct ServerFacts {
    /// The server is in recovery.
    var standby: Bool
    /// The server's clock, in seconds since 1970.
    var now: Double
    /// The server is a Citus worker node: its distributed tables are metadata copies that only the
    /// coordinator may change.
    var citusWorker: Bool

    /// One query on a plain server; a second one where the citus extension is installed.
    static func read(on connection: PostgresConnection) throws(PostgresError) -> ServerFacts {
        let row = try connection.query(
            """
            SELECT pg_is_in_recovery() AS standby, extract(epoch FROM now())::text AS now,
                   EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS citus
            """,
            purpose: "check server role and clock"
        ).rows[0]
        var facts = ServerFacts(standby: try row.bool("standby"), now: try row.double("now"), citusWorker: false)
        if try row.bool("citus") {
            // The coordinator is group 0 (so is a single-node Citus); every worker has a group of its own.
            let group = try connection.query(
                "SELECT groupid::int8 AS groupid FROM pg_catalog.pg_dist_local_group", purpose: "check Citus node role"
            ).rows.first
            facts.citusWorker = try group?.optionalInt64("groupid").map { $0 != 0 } ?? false
        }
        return facts
    }

    /// Why a pass here skips every table, when it does.
    var skipReason: String? {
        if standby { return "server is a standby" }
        if citusWorker { return "server is a Citus worker node" }
        return nil
    }
}
