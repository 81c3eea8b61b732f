import Yams

/// Locates a duplicated mapping key. Yams reports only the first occurrence and the bare key
/// name; this renames that occurrence, composes the text again and finds both keys in the tree,
/// giving the position of the repeated key and its full path (`tables[1].premake`).
enum DuplicateKeyLocator {
    private static let marker = "partmand-duplicate-key-"

    static func error(key: String, firstAt first: Mark, text: String, file: String) -> ConfigError {
        guard let renamed = insert(marker, line: first.line, column: first.column, in: text),
            let root = try? Yams.compose(yaml: renamed),
            let found = find(key, in: root, path: "")
        else {
            return ConfigError(file: file, line: first.line, column: first.column, key: key, message: "duplicate key")
        }
        // On the line of the first key, columns after it moved by the inserted marker.
        var column = found.repeated.column
        if found.repeated.line == first.line && column > first.column { column -= marker.unicodeScalars.count }
        return ConfigError(
            file: file, line: found.repeated.line, column: column, key: found.path,
            message: "duplicate key (first at line \(first.line))")
    }

    /// `text` with `prefix` inserted at a 1-based line and column (counted in Unicode scalars, as libyaml does).
    private static func insert(_ prefix: String, line: Int, column: Int, in text: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.indices.contains(line - 1) else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars)
        guard column >= 1, column <= scalars.count else { return nil }
        var edited = String.UnicodeScalarView()
        edited.append(contentsOf: scalars[..<(column - 1)])
        edited.append(contentsOf: prefix.unicodeScalars)
        edited.append(contentsOf: scalars[(column - 1)...])
        lines[line - 1] = String(edited)
        return lines.joined(separator: "\n")
    }

    /// The path of the mapping holding the renamed key, and the mark of the key that stayed.
    private static func find(_ key: String, in node: Node, path: String) -> (path: String, repeated: Mark)? {
        switch node {
        case .mapping(let mapping):
            let childPath = { (name: String) in path.isEmpty ? name : "\(path).\(name)" }
            if mapping.contains(where: { $0.key.string?.hasPrefix(marker) == true }),
                let repeated = mapping.first(where: { $0.key.string == key })?.key.mark
            {
                return (childPath(key), repeated)
            }
            for (keyNode, value) in mapping {
                if let found = find(key, in: value, path: childPath(keyNode.string ?? "?")) { return found }
            }
            return nil
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                if let found = find(key, in: element, path: "\(path)[\(index)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }
}
