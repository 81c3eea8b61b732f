import Yams

/// A YAML node with its key path, giving typed, strict access with located errors.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String

    /// Every scalar reads as a string; `int()`, `bool()` and `isNull` type plain scalars themselves, with
    /// YAML 1.1's spellings. (Yams's default resolver runs up to seven regular expressions per scalar,
    /// and hashes every mapping key with them to find duplicates: most of the time spent loading a
    /// configuration of 500 tables.)
    static let resolver = Resolver.basic

    /// YAML 1.1's null and boolean spellings.
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let trueWords: Set<String> = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]

    /// The scalar's text when it is plain (unquoted, not a block): only those carry an implicit type.
    private var plainText: String? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        return scalar.string
    }

    var line: Int? { node.mark?.line }

    var location: ConfigLocation {
        ConfigLocation(file: file, line: node.mark?.line, column: node.mark?.column, key: path)
    }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, column: node.mark?.column, key: path, message: message)
    }

    /// The entries of a mapping, refusing keys not in `allowed`.
    func mapping(allowed: Set<String>) throws(ConfigError) -> ConfigMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping (key: value pairs)") }
        var entries = ConfigMapping()
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw ConfigNode(node: keyNode, path: path, file: file).error("keys must be plain strings")
            }
            let childPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigNode(node: keyNode, path: childPath, file: file).error("unknown key (known keys: \(known))")
            }
            entries.keys.append(key)
            entries.nodes.append(ConfigNode(node: value, path: childPath, file: file))
        }
        return entries
    }

    /// The elements of a sequence.
    func sequence() throws(ConfigError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, element in
            ConfigNode(node: element, path: "\(path)[\(index)]", file: file)
        }
    }

    /// A scalar as written (YAML 1.1 would read 02:00 as a number; partmand reads it as text).
    func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a string") }
        return scalar.string
    }

    /// A plain `null`, `~` or empty value.
    var isNull: Bool { plainText.map(Self.nullWords.contains) ?? false }

    /// A plain decimal whole number (an optional sign, then digits).
    func int() throws(ConfigError) -> Int {
        guard let text = plainText, let value = Int(text), text.allSatisfy({ $0.isASCII }) else {
            throw error("expected a whole number, got '\(node.scalar?.string ?? "a structure")'")
        }
        return value
    }

    func bool() throws(ConfigError) -> Bool {
        if let text = plainText {
            if Self.trueWords.contains(text) { return true }
            if Self.falseWords.contains(text) { return false }
        }
        throw error("expected true or false, got '\(node.scalar?.string ?? "a structure")'")
    }

    /// One string or a list of strings.
    func strings() throws(ConfigError) -> [String] {
        if case .sequence = node {
            var values: [String] = []
            for element in try sequence() { values.append(try element.string()) }
            return values
        }
        return [try string()]
    }
}

/// A mapping's entries by key, found by a scan: a configuration's mappings have a handful of keys, too
/// few for hashing each lookup to pay off.
struct ConfigMapping {
    fileprivate var keys: [String] = []
    fileprivate var nodes: [ConfigNode] = []

    /// The value of `key` (the last one, should a key repeat), nil when the mapping does not have it.
    subscript(_ key: String) -> ConfigNode? {
        guard let index = keys.lastIndex(of: key) else { return nil }
        return nodes[index]
    }
}
