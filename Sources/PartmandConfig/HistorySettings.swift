import PartmandCore

/// The `history:` section: a row per table per pass in a SQL table (off unless set).
public struct HistorySettings: Sendable, Equatable {
    /// The history table, `schema.table`.
    public var table: QualifiedName
    /// Partitions of the history table older than this are dropped; nil keeps everything.
    public var retention: CalendarInterval?
    /// Whether `tables:` lists the history table itself (its entry then wins over `retention`).
    public var listedInTables: Bool

    public init(
        table: QualifiedName, retention: CalendarInterval? = RunHistoryTable.defaultRetention,
        listedInTables: Bool = false
    ) {
        self.table = table
        self.retention = retention
        self.listedInTables = listedInTables
    }

    /// The spec partmand maintains the history table with when `tables:` does not list it.
    public var spec: TableSpec { RunHistoryTable.spec(table, retention: retention) }
}
