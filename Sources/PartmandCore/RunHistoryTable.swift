/// How the run history table (`history:`) is partitioned and maintained: monthly ranges on
/// `started_at`, in UTC, a few months made ahead, no default partition (a row without a partition
/// fails its own write, never maintenance). partmand maintains it with its native engine like any
/// configured table: it eats its own cooking.
public enum RunHistoryTable {
    /// The partition key: when partmand started on the table.
    public static let keyColumn = "started_at"
    /// One partition per month.
    public static let interval = CalendarInterval(1, .month)
    /// Months made ahead of the one holding now.
    public static let premake = 3
    /// The retention when `history.retention` is not set.
    public static let defaultRetention = CalendarInterval(90, .day)

    /// The table spec partmand maintains `table` with: native, dropping partitions past `retention`
    /// (nil keeps everything).
    public static func spec(_ table: QualifiedName, retention: CalendarInterval?) -> TableSpec {
        TableSpec(
            parent: table, column: keyColumn, interval: interval, premake: premake, retention: retention,
            retentionAction: .drop, defaultPartition: false, engine: .native)
    }
}
