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

    /// A `text[]` value (or any array type the query casts it to: `$1::oid[]`): each element quoted in
    /// PostgreSQL's array syntax, so any string, `NULL` and empty ones included, arrives as written.
    public static func textArray(_ values: [String]) -> PostgresValue {
        var literal = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.unicodeScalars.append(character)
            }
            literal += "\""
        }
        return .text(literal + "}")
    }

    /// The text sent to the server.
    var text: String {
        switch self {
        case .text(let text): return text
        }
    }
}
