import CLibPQ

/// Finds the passwords in a conninfo string or URL so they never reach a log or an error.
///
/// It follows libpq's own parsing rules and hides more rather than less: besides password
/// values, it hides whole pairs whose keyword libpq does not know (a password containing a
/// space or "&" can spill into one) and everything from the point where parsing fails.
struct ConninfoRedaction {
    /// The conninfo with each hidden part replaced by `***`.
    let text: String
    /// The hidden values (raw, unquoted and percent-decoded), longest first.
    let secrets: [String]

    private static let secretKeys: Set<String> = ["password", "sslpassword"]
    /// The keywords this libpq understands (`PQconndefaults`).
    private static let knownKeywords: Set<String> = {
        guard let defaults = PQconndefaults() else { return [] }
        defer { PQconninfoFree(defaults) }
        var keywords: Set<String> = []
        var option = defaults
        while let keyword = option.pointee.keyword {
            keywords.insert(String(cString: keyword))
            option += 1
        }
        return keywords
    }()
    private static let mask = Array("***".utf8)

    /// Redacts `conninfo`.
    init(_ conninfo: String) {
        let bytes = Array(conninfo.utf8)
        var hidden = [Bool](repeating: false, count: bytes.count)
        if Self.uriPrefixLength(bytes) > 0 {
            Self.markURL(bytes, &hidden)
        } else if bytes.contains(UInt8(ascii: "=")) {
            Self.markKeywords(bytes, &hidden)
        }
        var output: [UInt8] = []
        var secrets: Set<String> = []
        var index = 0
        while index < bytes.count {
            guard hidden[index] else {
                output.append(bytes[index])
                index += 1
                continue
            }
            let start = index
            while index < bytes.count && hidden[index] { index += 1 }
            output += Self.mask
            secrets.formUnion(Self.variants(of: bytes[start..<index]))
        }
        text = String(decoding: output, as: UTF8.self)
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.utf8.count > $1.utf8.count }
    }

    /// Replaces every hidden value that occurs in `message` by `***`.
    func scrub(_ message: String) -> String {
        secrets.reduce(message) { $0.replacing($1, with: "***") }
    }

    /// Replaces the text between each pair of double quotes by `***`. libpq's parse errors
    /// quote pieces of the input, which may be pieces of a password.
    static func hideQuotedTokens(_ message: String) -> String {
        var output = ""
        var inQuotes = false
        for character in message {
            if character == "\"" {
                output += inQuotes ? "***\"" : "\""
                inQuotes.toggle()
            } else if !inQuotes {
                output.append(character)
            }
        }
        return inQuotes ? output + "***" : output
    }

    /// The length of a `postgresql://` or `postgres://` prefix, 0 when there is none.
    static func uriPrefixLength(_ bytes: [UInt8], caseSensitive: Bool = false) -> Int {
        for prefix in ["postgresql://", "postgres://"] {
            let candidate = String(decoding: bytes.prefix(prefix.utf8.count), as: UTF8.self)
            if candidate == prefix || (!caseSensitive && candidate.lowercased() == prefix) {
                return prefix.utf8.count
            }
        }
        return 0
    }

    /// Marks a URL's `user:password@` password and, in its query, the values of password
    /// parameters and whole parameters that are malformed or not libpq keywords.
    private static func markURL(_ bytes: [UInt8], _ hidden: inout [Bool]) {
        let start = uriPrefixLength(bytes)
        let at = UInt8(ascii: "@")
        let question = UInt8(ascii: "?")
        var userInfoEnd = start
        if let firstAt = bytes[start...].firstIndex(of: at) {
            // A raw "@" may belong to the password, so the user info ends at the last "@"
            // before the query.
            let queryStart = bytes[firstAt...].firstIndex(of: question) ?? bytes.count
            if let lastAt = bytes[start..<queryStart].lastIndex(of: at),
                let colon = bytes[start..<lastAt].firstIndex(of: UInt8(ascii: ":"))
            {
                hide(colon + 1..<lastAt, in: &hidden)
                userInfoEnd = lastAt
            }
        }
        guard let queryStart = bytes[userInfoEnd...].firstIndex(of: question) else { return }
        var parameterStart = queryStart + 1
        while parameterStart <= bytes.count {
            let parameterEnd = bytes[parameterStart...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.count
            let parameter = bytes[parameterStart..<parameterEnd]
            if let equals = parameter.firstIndex(of: UInt8(ascii: "=")),
                case let key = percentDecoded(bytes[parameterStart..<equals]),
                knownKeywords.contains(key) || key == "ssl"
            {
                if secretKeys.contains(key) { hide(equals + 1..<parameterEnd, in: &hidden) }
            } else {
                hide(parameterStart..<parameterEnd, in: &hidden)
            }
            parameterStart = parameterEnd + 1
        }
    }

    /// Marks the values of password keywords, whole pairs whose keyword libpq does not know,
    /// everything from a syntax error on, and database names that are themselves connection
    /// strings holding a password.
    private static func markKeywords(_ bytes: [UInt8], _ hidden: inout [Bool]) {
        var index = 0
        func skipSpaces() {
            while index < bytes.count && isSpace(bytes[index]) { index += 1 }
        }
        while true {
            skipSpaces()
            guard index < bytes.count else { return }
            let keyStart = index
            while index < bytes.count && !isSpace(bytes[index]) && bytes[index] != UInt8(ascii: "=") { index += 1 }
            let key = String(decoding: bytes[keyStart..<index], as: UTF8.self)
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                return hide(keyStart..<bytes.count, in: &hidden)
            }
            index += 1
            skipSpaces()
            let valueStart = index
            guard let value = readValue(bytes, &index) else {
                return hide(valueStart..<bytes.count, in: &hidden)
            }
            if !knownKeywords.contains(key) {
                hide(keyStart..<index, in: &hidden)
            } else if secretKeys.contains(key)
                || (key == "dbname" && !ConninfoRedaction(String(decoding: value, as: UTF8.self)).secrets.isEmpty)
            {
                hide(valueStart..<index, in: &hidden)
            }
        }
    }

    /// Reads one value (quoted with backslash escapes, or up to the next space), returning it
    /// unescaped; nil for an unterminated quoted value.
    private static func readValue(_ bytes: [UInt8], _ index: inout Int) -> [UInt8]? {
        let quoted = index < bytes.count && bytes[index] == UInt8(ascii: "'")
        if quoted { index += 1 }
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\\") {
                if index < bytes.count {
                    value.append(bytes[index])
                    index += 1
                }
            } else if quoted && byte == UInt8(ascii: "'") {
                return value
            } else if !quoted && isSpace(byte) {
                index -= 1
                return value
            } else {
                value.append(byte)
            }
        }
        return quoted ? nil : value
    }

    private static func hide(_ range: Range<Int>, in hidden: inout [Bool]) {
        for index in range { hidden[index] = true }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// The forms a hidden value may take in a message: raw, unquoted, percent-decoded, and
    /// the pieces around a raw "@" (which libpq may read as part of a host name).
    private static func variants(of raw: ArraySlice<UInt8>) -> Set<String> {
        var unquoted = Array(raw)
        if unquoted.first == UInt8(ascii: "'") {
            var index = 0
            unquoted = readValue(unquoted, &index) ?? Array(unquoted.dropFirst())
        }
        var result: Set<String> = [
            String(decoding: raw, as: UTF8.self), String(decoding: unquoted, as: UTF8.self), percentDecoded(raw),
        ]
        for variant in result {
            result.formUnion(variant.split(separator: "@").map(String.init))
        }
        return result
    }

    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let byte = UInt8(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                output.append(byte)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
