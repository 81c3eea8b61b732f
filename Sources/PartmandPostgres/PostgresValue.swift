/// A parameter value, sent in text format. Never interpolated into SQL.
public enum PostgresValue: Sendable, Hashable, ExpressibleByStringLiteral {
    /// The value's text representation, as PostgreSQL's input function reads it.
    case text(String)

    /// A string value.
    public init(stringLiteral value: String) {
        self = .text(value)
    }

    /// An integer value.
    public init(_ value: Int) {
        self = .text(String(value))
    }

    /// A 64-bit integer value.
    public init(_ value: Int64) {
        self = .text(String(value))
    }

    /// A floating-point value; infinities and NaN are spelled as PostgreSQL spells them.
    public init(_ value: Double) {
        if value.isNaN {
            self = .text("NaN")
        } else if value.isInfinite {
            self = .text(value < 0 ? "-Infinity" : "Infinity")
        } else {
            self = .text(String(value))
        }
    }

    /// A boolean value: `true` or `false`.
    public init(_ value: Bool) {
        self = .text(value ? "true" : "false")
    }

    /// The text sent to the server.
    var text: String {
        switch self {
        case .text(let text): return text
        }
    }
}
