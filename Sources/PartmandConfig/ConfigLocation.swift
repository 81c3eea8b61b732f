/// Where a setting is in a configuration file.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The key path, e.g. `database.url`; empty for the whole document.
    public var key: String

    public init(file: String, line: Int?, column: Int? = nil, key: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
    }

    /// `partmand.yaml:3:8: database.url`
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return key.isEmpty ? location : "\(location): \(key)"
    }
}
