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

    /// Creates connection options.
    public init(conninfo: String = "", applicationName: String = "partmand", connectTimeout: Int? = 10) {
        self.conninfo = conninfo
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// The conninfo with every password replaced by `***`, safe for logs and errors.
    public var redacted: String {
        ConninfoRedaction(conninfo).text
    }
}
