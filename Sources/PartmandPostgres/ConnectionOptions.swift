/// Options for opening a connection.
public struct ConnectionOptions: Sendable {
    /// A keyword/value conninfo string or a `postgres://` / `postgresql://` URL.
    /// An empty string leaves everything to libpq's defaults (PG* environment variables,
    /// password file, service file).
    public var conninfo: String
    /// Reported as `application_name` unless the conninfo, URL or `PGAPPNAME` sets one.
    public var applicationName: String
    /// Connection timeout in seconds, applied unless the conninfo or `PGCONNECT_TIMEOUT` sets one.
    public var connectTimeout: Int?
    /// Makes a backend notice promptly that its client died (killed, host gone) and end, instead of
    /// finishing its statement and keeping its locks meanwhile: the session sets
    /// `client_connection_check_interval` (PostgreSQL 14+) to this interval and server-side TCP
    /// keepalives; TCP keepalives are also asked for on the client side unless the conninfo sets them.
    /// nil leaves all of these to the server's and libpq's defaults.
    public var deadPeerCheck: DeadPeerCheck?
    /// Settings every session starts with, set with `set_config` at connect in the statement that sets the
    /// time zone (no extra round trip). `RESET` would take them back to the server's defaults: code that
    /// changes one for a while puts back the value it found.
    public var sessionSettings: [(name: String, value: String)]

    /// Creates connection options.
    public init(
        conninfo: String = "", applicationName: String = "partmand", connectTimeout: Int? = 10,
        deadPeerCheck: DeadPeerCheck? = DeadPeerCheck(), sessionSettings: [(name: String, value: String)] = []
    ) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.deadPeerCheck = deadPeerCheck
        self.sessionSettings = sessionSettings
    }

    /// The conninfo with every password replaced by `***`, safe for logs and errors.
    public var redacted: String {
        ConninfoRedaction(conninfo).text
    }
}

/// How quickly either end of a connection notices that the other one died.
public struct DeadPeerCheck: Sendable, Equatable {
    /// How often a busy backend checks that its client is still there (`client_connection_check_interval`).
    public var clientCheckInterval: Duration
    /// Idle seconds before the first TCP keepalive probe, seconds between probes, and probes lost
    /// before the connection counts as dead; on both ends (no effect on Unix-domain sockets).
    public var keepaliveIdle: Int
    public var keepaliveInterval: Int
    public var keepaliveCount: Int

    public init(
        clientCheckInterval: Duration = .seconds(2), keepaliveIdle: Int = 30, keepaliveInterval: Int = 10,
        keepaliveCount: Int = 3
    ) {
        self.clientCheckInterval = clientCheckInterval
        self.keepaliveIdle = keepaliveIdle
        self.keepaliveInterval = keepaliveInterval
        self.keepaliveCount = keepaliveCount
    }
}
