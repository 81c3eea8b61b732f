/// One result row; values are in PostgreSQL's text format, nil for SQL NULL.
///
/// Asking for a column the result does not have is a programming error and stops the program.
public struct Row: Sendable {
    /// Column name to position; with duplicate names the first wins, as with `PQfnumber`.
    let columnIndex: [String: Int]
    let values: [String?]

    /// The value of the named column, nil for NULL.
    public subscript(_ column: String) -> String? {
        guard let index = columnIndex[column] else {
            preconditionFailure("no column \"\(column)\" in result (columns: \(columnIndex.keys.sorted()))")
        }
        return values[index]
    }

    /// The value of the column at `index`, nil for NULL.
    public subscript(_ index: Int) -> String? {
        precondition(values.indices.contains(index), "no column \(index) in a result of \(values.count) columns")
        return values[index]
    }

    /// The named column as a string; NULL throws.
    public func string(_ column: String) throws(PostgresError) -> String {
        guard let value = self[column] else { throw Self.nullError(column, "String") }
        return value
    }

    /// The named column as a string, nil for NULL.
    public func optionalString(_ column: String) -> String? {
        self[column]
    }

    /// The named column as an `Int`; NULL or other text throws.
    public func int(_ column: String) throws(PostgresError) -> Int {
        try required(column, "Int", optionalInt)
    }

    /// The named column as an `Int`, nil for NULL; other text throws.
    public func optionalInt(_ column: String) throws(PostgresError) -> Int? {
        try decode(column, "Int", Int.init)
    }

    /// The named column as an `Int64`; NULL or other text throws.
    public func int64(_ column: String) throws(PostgresError) -> Int64 {
        try required(column, "Int64", optionalInt64)
    }

    /// The named column as an `Int64`, nil for NULL; other text throws.
    public func optionalInt64(_ column: String) throws(PostgresError) -> Int64? {
        try decode(column, "Int64", Int64.init)
    }

    /// The named column as a `Double` (`Infinity`, `-Infinity` and `NaN` included); NULL or
    /// other text throws.
    public func double(_ column: String) throws(PostgresError) -> Double {
        try required(column, "Double", optionalDouble)
    }

    /// The named column as a `Double`, nil for NULL; other text throws.
    public func optionalDouble(_ column: String) throws(PostgresError) -> Double? {
        try decode(column, "Double", Double.init)
    }

    /// The named column as a `Bool` (`t` or `f`); NULL or other text throws.
    public func bool(_ column: String) throws(PostgresError) -> Bool {
        try required(column, "Bool", optionalBool)
    }

    /// The named column as a `Bool`, nil for NULL; other text throws.
    public func optionalBool(_ column: String) throws(PostgresError) -> Bool? {
        try decode(column, "Bool") { text in
            switch text {
            case "t": true
            case "f": false
            default: nil
            }
        }
    }

    private func decode<T>(_ column: String, _ type: String, _ parse: (String) -> T?) throws(PostgresError) -> T? {
        guard let text = self[column] else { return nil }
        guard let value = parse(text) else {
            throw PostgresError(kind: .decoding, message: "column \"\(column)\": cannot read \"\(text)\" as \(type)")
        }
        return value
    }

    private func required<T>(
        _ column: String,
        _ type: String,
        _ optional: (String) throws(PostgresError) -> T?
    ) throws(PostgresError) -> T {
        guard let value = try optional(column) else { throw Self.nullError(column, type) }
        return value
    }

    private static func nullError(_ column: String, _ type: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "column \"\(column)\" is NULL, expected \(type)")
    }
}
