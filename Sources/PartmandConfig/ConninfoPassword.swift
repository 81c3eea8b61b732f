/// Whether a conninfo string or `postgres://` URL carries a password, read the way libpq reads it:
/// `password=` or `sslpassword=` pairs, a URL's `user:password@`, its `password` or `sslpassword`
/// query parameters, and a `dbname` that is itself a connection string. A string that cannot be read
/// counts as holding one when it mentions "password" (it is only used to warn).
enum ConninfoPassword {
    private static let keys: Set<String> = ["password", "sslpassword"]

    static func holdsPassword(_ conninfo: String) -> Bool {
        if isURL(conninfo) { return urlHoldsPassword(conninfo) }
        // Characters and firstRange(of:): Foundation's contains(String) would search through CoreFoundation.
        guard let pairs = keywordPairs(conninfo) else { return conninfo.lowercased().firstRange(of: "password") != nil }
        return pairs.contains { key, value in
            // libpq reads a dbname holding "=" or a URL as a connection string of its own.
            key == "dbname"
                ? (value.contains("=" as Character) || isURL(value)) && holdsPassword(value)
                : keys.contains(key) && !value.isEmpty
        }
    }

    private static func isURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    /// `scheme://[user[:password]@]host…[?key=value&…]`; the user info ends at the last `@` before the query.
    private static func urlHoldsPassword(_ url: String) -> Bool {
        // isURL: the scheme is "postgres" or "postgresql", so "://" follows the first ":".
        let afterScheme = url[url.firstIndex(of: ":")!...].dropFirst(3)
        let query = afterScheme.firstIndex(of: "?")
        let authority = afterScheme[..<(query ?? afterScheme.endIndex)]
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":"),
            authority.index(after: colon) < at
        {
            return true
        }
        guard let query else { return false }
        return afterScheme[afterScheme.index(after: query)...].split(separator: "&").contains { parameter in
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return parts.count == 2 && keys.contains(percentDecoded(parts[0])) && !parts[1].isEmpty
        }
    }

    /// The `key=value` pairs of a keyword/value string (values unquoted and unescaped); nil when malformed.
    private static func keywordPairs(_ conninfo: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        var characters = Substring(conninfo)
        func skipSpaces() { characters = characters.drop(while: \.isWhitespace) }
        while true {
            skipSpaces()
            guard !characters.isEmpty else { return pairs }
            let key = characters.prefix { !$0.isWhitespace && $0 != "=" }
            characters = characters.dropFirst(key.count)
            skipSpaces()
            guard characters.first == "=" else { return nil }
            characters = characters.dropFirst()
            skipSpaces()
            let quoted = characters.first == "'"
            if quoted { characters = characters.dropFirst() }
            var value = ""
            var closed = !quoted
            while let character = characters.popFirst() {
                if character == "\\", let next = characters.popFirst() {
                    value.append(next)
                } else if quoted && character == "'" {
                    closed = true
                    break
                } else if !quoted && character.isWhitespace {
                    break
                } else {
                    value.append(character)
                }
            }
            guard closed else { return nil }
            pairs.append((String(key), value))
        }
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let decoded = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(decoded)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
