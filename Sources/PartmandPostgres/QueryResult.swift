import CLibPQ

/// The outcome of one statement.
public struct QueryResult: Sendable {
    /// The column names, in order.
    public let columns: [String]
    /// The rows returned, empty for commands that return none.
    public let rows: [Row]
    /// The number of rows inserted, updated, deleted, selected… when the command reports one.
    public let affectedRows: Int?
    /// The notices and warnings the server sent while running the statement.
    public let notices: [PostgresNotice]

    /// Copies a successful result out of libpq.
    init(_ result: OpaquePointer, notices: [PostgresNotice]) {
        let fieldCount = PQnfields(result)
        columns = (0..<fieldCount).map { String(cString: PQfname(result, $0)) }
        let columnIndex = Dictionary(
            columns.enumerated().map { ($1, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        rows = (0..<PQntuples(result)).map { row in
            Row(
                columnIndex: columnIndex,
                values: (0..<fieldCount).map { field in
                    PQgetisnull(result, row, field) == 1 ? nil : String(cString: PQgetvalue(result, row, field))
                }
            )
        }
        affectedRows = Int(String(cString: PQcmdTuples(result)))
        self.notices = notices
    }
}
