/// A schema-qualified relation name, as stored in the catalog (unquoted, case preserved).
public struct QualifiedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var schema: String
    public var name: String

    public init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    /// The longest identifier PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`); it truncates longer ones.
    public static let maxIdentifierBytes = 63

    /// Parses `table`, `schema.table`, or double-quoted parts such as `"My Schema"."Events"`.
    /// Unquoted parts are folded to lower case, as PostgreSQL does (ASCII letters only, as in a UTF-8 database).
    /// A part longer than ``maxIdentifierBytes`` is refused: PostgreSQL would look up a truncated name.
    public init(parsing text: String, defaultSchema: String = "public") throws(NameError) {
        if let plain = Self.plainParts(text), plain.schema != nil || defaultSchema.utf8.count <= Self.maxIdentifierBytes
        {
            self.init(schema: plain.schema ?? defaultSchema, name: plain.name)
            return
        }
        let parts = try Self.splitParts(text)
        switch parts.count {
        case 1: self.init(schema: defaultSchema, name: parts[0])
        case 2: self.init(schema: parts[0], name: parts[1])
        default: throw NameError(text: text, reason: "expected 'table' or 'schema.table'")
        }
        for (label, part) in [("schema", schema), ("table", name)] where part.utf8.count > Self.maxIdentifierBytes {
            throw NameError(
                text: text,
                reason: "\(label) name is longer than PostgreSQL's \(Self.maxIdentifierBytes)-byte limit "
                    + "(\(part.utf8.count) bytes)")
        }
    }

    /// `schema.name` for messages and logs, each part written as ``displayIdentifier(_:)`` does:
    /// `public.webhook_events`, `"we""ird"."Events; DROP TABLE x"`. Not for SQL (use the postgres
    /// module's quoting, which always quotes) nor for machine-readable output (use ``unquoted``).
    public var description: String { "\(Self.displayIdentifier(schema)).\(Self.displayIdentifier(name))" }

    /// `schema.name` exactly as stored, never quoted: for JSON and other machine-readable output.
    public var unquoted: String { "\(schema).\(name)" }

    /// An identifier as PostgreSQL's `quote_ident` would write it, except that `$` needs no quotes:
    /// bare when it matches `^[a-z_][a-z0-9_$]*$` and is not a keyword PostgreSQL 15 reserves in
    /// some context (`user`, `table`, `order`, …), otherwise in double quotes with `"` doubled.
    public static func displayIdentifier(_ identifier: String) -> String {
        let bytes = Array(identifier.utf8)
        let plain =
            bytes.first.map { isLowerOrUnderscore($0) } == true
            && bytes.allSatisfy { isLowerOrUnderscore($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "$") }
        if plain && !PostgresKeywords.quoted.contains(identifier) { return identifier }
        // By scalar: a `"` followed by a combining mark is one Character that a Character search misses.
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in identifier.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append(scalar) }
        }
        quoted.append("\"")
        return String(quoted)
    }

    private static func isLowerOrUnderscore(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || byte == UInt8(ascii: "_")
    }

    public static func < (lhs: QualifiedName, rhs: QualifiedName) -> Bool {
        (lhs.schema, lhs.name) < (rhs.schema, rhs.name)
    }

    /// The common spelling, read byte by byte: `table` or `schema.table` of ASCII letters (folded to lower
    /// case), digits, `_` and `$`, each part 1 to ``maxIdentifierBytes`` bytes; nil for anything else,
    /// which `splitParts` then reads (or refuses, with the reason).
    private static func plainParts(_ text: String) -> (schema: String?, name: String)? {
        var folded: [UInt8] = []
        folded.reserveCapacity(text.utf8.count)
        var dot: Int?
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"),
                UInt8(ascii: "$"):
                folded.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): folded.append(byte + 0x20)
            case UInt8(ascii: ".") where dot == nil:
                dot = folded.count
                folded.append(byte)
            default: return nil
            }
        }
        let nameStart = dot.map { $0 + 1 } ?? 0
        let nameBytes = folded.count - nameStart
        guard (1...maxIdentifierBytes).contains(nameBytes), dot.map({ (1...maxIdentifierBytes).contains($0) }) ?? true
        else { return nil }
        let name = String(decoding: folded[nameStart...], as: UTF8.self)
        return (dot.map { String(decoding: folded[..<$0], as: UTF8.self) }, name)
    }

    /// Splits on unquoted dots, scalar by scalar (a quote followed by a combining mark is one Character,
    /// and still a quote).
    private static func splitParts(_ text: String) throws(NameError) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        var inQuotes = false
        var wasQuoted = false
        var chars = Array(text.trimmingWhitespace().unicodeScalars)[...]
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" {
                        current.append("\"")
                        chars.removeFirst()
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                inQuotes = true
                wasQuoted = true
            } else if c == "." {
                parts.append(try finish(String(current), quoted: wasQuoted, text: text))
                current = String.UnicodeScalarView()
                wasQuoted = false
            } else {
                current.append(c)
            }
        }
        if inQuotes { throw NameError(text: text, reason: "unterminated double quote") }
        parts.append(try finish(String(current), quoted: wasQuoted, text: text))
        return parts
    }

    private static func finish(_ part: String, quoted: Bool, text: String) throws(NameError) -> String {
        if part.isEmpty { throw NameError(text: text, reason: "empty name part") }
        if quoted { return part }
        guard part.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }) else {
            throw NameError(text: text, reason: "'\(part)' needs double quotes")
        }
        return String(String.UnicodeScalarView(part.unicodeScalars.map { "A"..."Z" ~= $0 ? $0.asciiLowercased : $0 }))
    }
}

/// A table name that could not be parsed.
public struct NameError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "invalid table name '\(text)': \(reason)" }
}

extension Unicode.Scalar {
    /// The lower-case form of an ASCII capital letter.
    fileprivate var asciiLowercased: Unicode.Scalar { Unicode.Scalar(UInt8(value) + 0x20) }
}

extension String {
    func trimmingWhitespace() -> Substring {
        let scalars = self[...]
        let start = scalars.firstIndex(where: { !$0.isWhitespace }) ?? scalars.endIndex
        let end = scalars.lastIndex(where: { !$0.isWhitespace }).map { scalars.index(after: $0) } ?? start
        return scalars[start..<end]
    }
}
