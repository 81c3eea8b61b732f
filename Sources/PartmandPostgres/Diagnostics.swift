import CLibPQ

/// The diagnostic fields of an error or notice result (`PQresultErrorField`).
struct Diagnostics {
    let severity: String?
    let sqlState: String?
    let message: String?
    let detail: String?
    let hint: String?
    let schema: String?
    let table: String?

    /// Reads the fields of `result`.
    init(_ result: OpaquePointer) {
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, Int32(UInt8(ascii: code))).map { String(cString: $0) }
        }
        severity = field("V") ?? field("S")
        sqlState = field("C")
        message = field("M")
        detail = field("D")
        hint = field("H")
        schema = field("s")
        table = field("t")
    }

    /// `schema.table` when the server named a table, else nil.
    var qualifiedTable: String? {
        table.map { table in schema.map { "\($0).\(table)" } ?? table }
    }
}
