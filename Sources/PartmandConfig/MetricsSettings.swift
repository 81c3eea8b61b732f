/// Where `partmand run` serves `/metrics` and `/healthz`; off unless `metrics.listen` is set.
public struct MetricsSettings: Sendable, Equatable {
    /// The address to listen on; nil: no HTTP server.
    public var listen: ListenAddress?

    public init(listen: ListenAddress? = nil) {
        self.listen = listen
    }
}

/// A TCP host and port, or a Unix-domain socket path.
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// `host` is a name or an IPv4/IPv6 literal (without brackets).
    case tcp(host: String, port: Int)
    /// An absolute path.
    case unix(path: String)

    /// Parses `127.0.0.1:9187`, `localhost:9187`, `[::1]:9187` or `/run/partmand/metrics.sock`; nil and
    /// a reason when it is none of them.
    public static func parse(_ text: String) -> Result<ListenAddress, ListenAddressError> {
        if text.hasPrefix("/") {
            guard text.utf8.count < 108 else { return .failure(.init("a Unix socket path must be under 108 bytes")) }
            return .success(.unix(path: text))
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(.init("an IPv6 address needs its closing ']' (e.g. [::1]:9187)"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(.init("expected :PORT after ]")) }
            portText = rest.dropFirst()
            guard host.contains(":" as Character) else { return .failure(.init("[…] holds an IPv6 address only")) }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(.init("expected HOST:PORT, [IPv6]:PORT or an absolute socket path"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":" as Character) else {
                return .failure(.init("write an IPv6 address in brackets: [\(host)]:\(portText)"))
            }
        }
        guard !host.isEmpty else { return .failure(.init("the host is missing (e.g. 127.0.0.1:9187)")) }
        guard !host.contains(where: \.isWhitespace) else { return .failure(.init("the host contains a space")) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return .failure(.init("the port must be a number between 1 and 65535, got '\(portText)'"))
        }
        return .success(.tcp(host: String(host), port: port))
    }

    /// As written in the configuration: `host:port`, `[v6]:port` or the path.
    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":" as Character) ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): path
        }
    }
}

/// Why a `metrics.listen` value is not an address.
public struct ListenAddressError: Error, Sendable, Equatable {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}
