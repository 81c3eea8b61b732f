import NIOCore

/// The bounds of the monitoring HTTP server: it must never weaken the daemon it watches.
public struct HTTPLimits: Sendable {
    /// Connections served at once; more are closed as soon as they are accepted.
    public var maxConnections: Int
    /// The request line and headers together, in bytes; more: 431 and the connection closed.
    public var maxHeadBytes: Int
    /// A request body, in bytes (GET and HEAD need none); more: 413 and the connection closed.
    public var maxBodyBytes: Int
    /// A connection that sends nothing for this long is closed (a request cut short included).
    public var readTimeout: TimeAmount
    /// A response the client does not read within this long is abandoned and the connection closed.
    public var writeTimeout: TimeAmount

    public init(
        maxConnections: Int = 16, maxHeadBytes: Int = 8192, maxBodyBytes: Int = 1024,
        readTimeout: TimeAmount = .seconds(10), writeTimeout: TimeAmount = .seconds(10)
    ) {
        self.maxConnections = maxConnections
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
    }
}
