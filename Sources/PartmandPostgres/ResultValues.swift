import CLibPQ

/// A result's column names and values, copied out of libpq once and shared by all its rows: the values'
/// bytes end to end in one buffer, so a result costs a few allocations however many rows it has, and a
/// value becomes a `String` only when it is read as one.
final class ResultValues: Sendable {
    /// The column names, in order.
    let columns: [String]
    /// The columns' names' lengths in UTF-8 bytes, to find a column.
    private let nameLengths: [Int]
    /// The number of rows (a result can have rows of no column: `SELECT FROM t`).
    let rowCount: Int
    /// The values' bytes (text format, no terminating NUL), row after row.
    private let bytes: [UInt8]
    /// Where each value lies in `bytes`, row after row; nil for SQL NULL.
    private let spans: [Range<Int>?]

    /// Copies every value of `result`.
    init(_ result: OpaquePointer) {
        let fieldCount = PQnfields(result)
        let rowCount = PQntuples(result)
        self.rowCount = Int(rowCount)
        columns = (0..<fieldCount).map { String(cString: PQfname(result, $0)) }
        nameLengths = columns.map(\.utf8.count)
        var total = 0
        for row in 0..<rowCount {
            for field in 0..<fieldCount { total += Int(PQgetlength(result, row, field)) }
        }
        var spans: [Range<Int>?] = []
        spans.reserveCapacity(Int(rowCount) * Int(fieldCount))
        let bytes = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            var offset = 0
            for row in 0..<rowCount {
                for field in 0..<fieldCount {
                    guard PQgetisnull(result, row, field) == 0 else {
                        spans.append(nil)
                        continue
                    }
                    let length = Int(PQgetlength(result, row, field))
                    if length > 0 {
                        UnsafeMutableRawPointer(buffer.baseAddress! + offset).copyMemory(
                            from: PQgetvalue(result, row, field), byteCount: length)
                    }
                    spans.append(offset..<(offset + length))
                    offset += length
                }
            }
            initialized = total
        }
        self.bytes = bytes
        self.spans = spans
    }

    /// The position of the first column named `name`, as with `PQfnumber`; nil when there is none. A
    /// scan that compares lengths first: cheaper than hashing the name for the few columns of a result.
    func columnIndex(_ name: String) -> Int? {
        let length = name.utf8.count
        for index in columns.indices where nameLengths[index] == length && columns[index] == name {
            return index
        }
        return nil
    }

    /// `body` applied to the bytes of the value in `column` of `row`; nil for NULL.
    func withValue<T>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        guard let span = spans[row * columns.count + column] else { return nil }
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[span])) }
    }

    /// The value in `column` of `row` as a string (invalid UTF-8 repaired, as `String(cString:)` does),
    /// nil for NULL.
    func string(row: Int, column: Int) -> String? {
        withValue(row: row, column: column) { String(decoding: $0, as: UTF8.self) }
    }
}
