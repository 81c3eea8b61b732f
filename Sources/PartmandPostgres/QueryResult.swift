import CLibPQ

/// The outcome of one statement.
public struct QueryResult: Sendable {
    /// The column names, in order.
    public var columns: [String] { values.columns }
    /// The rows returned, empty for commands that return none.
    public let rows: [Row]
    /// The number of rows inserted, updated, deleted, selected… when the command reports one.
    public let affectedRows: Int?
    /// The notices and warnings the server sent while running the statement.
    public let notices: [PostgresNotice]
    /// The values, shared by the rows.
    private let values: ResultValues

    /// Copies a successful result out of libpq.
    init(_ result: OpaquePointer, notices: [PostgresNotice]) {
        let values = ResultValues(result)
        self.values = values
        rows = (0..<values.rowCount).map { Row(values: values, index: $0) }
        affectedRows = Int(String(cString: PQcmdTuples(result)))
        self.notices = notices
    }
}
