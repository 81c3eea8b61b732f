/// One result row; values are in PostgreSQL's text format, nil for SQL NULL.
///
/// A row refers to its result's values (`ResultValues`), which it keeps alive. Asking for a column the
/// result does not have is a programming error and stops the program.
public struct Row: Sendable {
    let values: ResultValues
    /// The row's position in the result.
    let index: Int

    /// The value of the named column, nil for NULL; with duplicate names the first wins, as with `PQfnumber`.
    public subscript(_ column: String) -> String? {
        values.string(row: index, column: position(column))
    }

    /// The value of the column at `index`, nil for NULL.
    public subscript(_ index: Int) -> String? {
        precondition(
            values.columns.indices.contains(index), "no column \(index) in a result of \(values.columns.count) columns")
        return values.string(row: self.index, column: index)
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
        guard let value = try optionalInt(column) else { throw Self.nullError(column, "Int") }
        return value
    }

    /// The named column as an `Int`, nil for NULL; other text throws.
    public func optionalInt(_ column: String) throws(PostgresError) -> Int? {
        try decode(column, "Int") { DecimalText.int64($0).flatMap(Int.init(exactly:)) }
    }

    /// The named column as an `Int64`; NULL or other text throws.
    public func int64(_ column: String) throws(PostgresError) -> Int64 {
        guard let value = try optionalInt64(column) else { throw Self.nullError(column, "Int64") }
        return value
    }

    /// The named column as an `Int64`, nil for NULL; other text throws.
    public func optionalInt64(_ column: String) throws(PostgresError) -> Int64? {
        try decode(column, "Int64", DecimalText.int64)
    }

    /// The named column as a `Double` (`Infinity`, `-Infinity` and `NaN` included); NULL or
    /// other text throws.
    public func double(_ column: String) throws(PostgresError) -> Double {
        guard let value = try optionalDouble(column) else { throw Self.nullError(column, "Double") }
        return value
    }

    /// The named column as a `Double`, nil for NULL; other text throws.
    public func optionalDouble(_ column: String) throws(PostgresError) -> Double? {
        try decode(column, "Double") { Double(String(decoding: $0, as: UTF8.self)) }
    }

    /// The named column as a `Bool` (`t` or `f`); NULL or other text throws.
    public func bool(_ column: String) throws(PostgresError) -> Bool {
        guard let value = try optionalBool(column) else { throw Self.nullError(column, "Bool") }
        return value
    }

    /// The named column as a `Bool`, nil for NULL; other text throws.
    public func optionalBool(_ column: String) throws(PostgresError) -> Bool? {
        try decode(column, "Bool") { bytes in
            guard bytes.count == 1 else { return nil }
            switch bytes[0] {
            case UInt8(ascii: "t"): return true
            case UInt8(ascii: "f"): return false
            default: return nil
            }
        }
    }

    /// The position of the named column; a column the result does not have stops the program.
    private func position(_ column: String) -> Int {
        guard let position = values.columnIndex(column) else {
            preconditionFailure("no column \"\(column)\" in result (columns: \(Set(values.columns).sorted()))")
        }
        return position
    }

    /// The named column read by `parse` from its text's bytes, nil for NULL; text `parse` refuses throws.
    private func decode<T>(_ column: String, _ type: String, _ parse: (UnsafeBufferPointer<UInt8>) -> T?)
        throws(PostgresError) -> T?
    {
        let position = position(column)
        guard let parsed = values.withValue(row: index, column: position, parse) else { return nil }
        guard let value = parsed else {
            let text = values.string(row: index, column: position) ?? ""
            throw PostgresError(kind: .decoding, message: "column \"\(column)\": cannot read \"\(text)\" as \(type)")
        }
        return value
    }

    private static func nullError(_ column: String, _ type: String) -> PostgresError {
        PostgresError(kind: .decoding, message: "column \"\(column)\" is NULL, expected \(type)")
    }
}
