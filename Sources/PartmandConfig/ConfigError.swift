/// A configuration mistake, located by file, line and key.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// The key path, e.g. `tables[0].interval`; empty for the whole document.
    public var key: String
    public var message: String

    public init(file: String, line: Int?, column: Int? = nil, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// `partmand.yaml:14:5: tables[0].interval: cannot parse 'montly' …`
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
    }
}
