/// A partition to create: `CREATE TABLE … (LIKE parent …)` then `ATTACH PARTITION`, moving any rows of
/// its range out of the default partition in the same transaction.
public struct NewPartition: Hashable, Sendable {
    public var name: QualifiedName
    public var range: PartitionRange

    public init(name: QualifiedName, range: PartitionRange) {
        self.name = name
        self.range = range
    }
}

/// A partition past retention.
public struct RetiredPartition: Hashable, Sendable {
    public var name: QualifiedName
    public var range: PartitionRange
    public var action: RetentionAction
    /// An earlier detach was interrupted; it must be finished with `DETACH … FINALIZE`.
    public var finishPendingDetach: Bool

    public init(name: QualifiedName, range: PartitionRange, action: RetentionAction, finishPendingDetach: Bool) {
        self.name = name
        self.range = range
        self.action = action
        self.finishPendingDetach = finishPendingDetach
    }
}

/// One change the planner wants made to a table.
public enum MaintenanceAction: Hashable, Sendable, CustomStringConvertible {
    case createPartition(NewPartition)
    case createDefaultPartition(QualifiedName)
    case retirePartition(RetiredPartition)
    /// Finishes a retirement an earlier pass recorded but did not complete: drops or archives a
    /// detached table, or forgets the record when the table is gone or was never detached.
    case finishRetirement(UnfinishedRetirement)
    /// Rewrites an old partition with Citus's columnar access method (`columnar_after`): detach it,
    /// convert it, attach it again.
    case convertToColumnar(ExistingPartition)
    /// Finishes a columnar conversion an earlier pass recorded but did not complete.
    case finishConversion(UnfinishedConversion)

    /// A short verb for logs and reports: create, create-default, drop, detach, archive, finish-retirement.
    public var kind: String {
        switch self {
        case .createPartition: "create"
        case .createDefaultPartition: "create-default"
        case .retirePartition(let retired):
            switch retired.action {
            case .drop: "drop"
            case .detach: "detach"
            case .archive: "archive"
            }
        case .finishRetirement: "finish-retirement"
        case .convertToColumnar: "columnar"
        case .finishConversion: "finish-columnar"
        }
    }

    /// Whether the action retires a partition (or finishes retiring one): only the server's clock may
    /// decide those.
    public var isRetirement: Bool {
        switch self {
        case .createPartition, .createDefaultPartition, .convertToColumnar, .finishConversion: false
        case .retirePartition, .finishRetirement: true
        }
    }

    /// Whether the action only makes a partition (a table whose plan holds nothing else may be maintained
    /// beside others).
    public var isCreation: Bool {
        switch self {
        case .createPartition, .createDefaultPartition: true
        case .retirePartition, .finishRetirement, .convertToColumnar, .finishConversion: false
        }
    }

    /// The partition the action is about.
    public var partition: QualifiedName {
        switch self {
        case .createPartition(let new): new.name
        case .createDefaultPartition(let name): name
        case .retirePartition(let retired): retired.name
        case .finishRetirement(let unfinished): unfinished.name
        case .convertToColumnar(let partition): partition.name
        case .finishConversion(let unfinished): unfinished.name
        }
    }

    public var description: String {
        switch self {
        case .createPartition(let new): "create \(new.name) for \(new.range)"
        case .createDefaultPartition(let name): "create default partition \(name)"
        case .retirePartition(let retired):
            (retired.finishPendingDetach ? "finish pending detach, then " : "")
                + "\(retired.action) \(retired.name) \(retired.range)"
        case .finishRetirement(let unfinished):
            switch unfinished.state {
            case .detached: "finish the interrupted \(unfinished.action) of \(unfinished.name) \(unfinished.range)"
            case .attached, .detachPending, .gone:
                "forget the recorded \(unfinished.action) of \(unfinished.name) (\(unfinished.state))"
            }
        case .convertToColumnar(let partition): "convert \(partition.name) \(partition.range) to columnar"
        case .finishConversion(let unfinished):
            switch unfinished.state {
            case .attached, .detached: "finish converting \(unfinished.name) \(unfinished.range) to columnar"
            case .gone: "forget the recorded columnar conversion of \(unfinished.name) (gone)"
            }
        }
    }
}

/// Something the planner noticed and deliberately left alone.
public enum Finding: Hashable, Sendable, CustomStringConvertible {
    /// A default partition exists although the configuration says none is wanted; partmand never drops it.
    case unwantedDefaultPartition(QualifiedName)
    /// A partition is pending detach but not past retention; left for whoever started the detach.
    case pendingDetachNotDue(QualifiedName)
    /// A retirement an earlier pass started and did not finish (a crash, a kill, a failed drop).
    case unfinishedRetirement(UnfinishedRetirement)
    /// A columnar conversion an earlier pass started and did not finish.
    case unfinishedConversion(UnfinishedConversion)
    /// The default partition holds rows (count, oldest, newest) before the pass.
    case defaultRows(DefaultRows)
    /// `timezone` is set but the key type has no time zone, so wall-clock bounds are used as they are.
    case timeZoneIgnored(PartitionKeyType)
    /// pg_partman set: fewer partitions lie ahead of now than `premake` asks for.
    case premakeShortfall(ahead: Int, premake: Int)
    /// pg_partman set: a partition lies entirely before now − retention; pg_partman retires it.
    case retentionDue(QualifiedName, PartitionRange)
    /// pg_partman set: default-partition rows at or after the end of the last partition, which make
    /// pg_partman's ATTACH of a new child fail.
    case defaultRowsBlockAttach(DefaultRows)

    public var description: String {
        switch self {
        case .unwantedDefaultPartition(let name):
            "default partition \(name) exists but default_partition is false; partmand never drops it"
        case .pendingDetachNotDue(let name): "\(name) is pending detach but not past retention; left alone"
        case .unfinishedRetirement(let unfinished): "unfinished retirement: \(unfinished)"
        case .unfinishedConversion(let unfinished): "unfinished \(unfinished)"
        case .defaultRows(let rows):
            "default partition holds \(rows.count) row(s)"
                + (rows.oldest.map { ", oldest \(ISO8601.string($0))" } ?? "")
                + (rows.newest.map { ", newest \(ISO8601.string($0))" } ?? "")
        case .timeZoneIgnored(let type):
            "timezone does not apply to a \(type.rawValue) key; bounds are taken as wall-clock values"
        case .premakeShortfall(let ahead, let premake):
            "only \(ahead) partition(s) lie ahead of now; premake is \(premake)"
        case .retentionDue(let name, let range): "\(name) \(range) is past retention"
        case .defaultRowsBlockAttach(let rows):
            "default partition holds \(rows.count) row(s) beyond the last partition"
                + (rows.oldest.map { ", oldest \(ISO8601.string($0))" } ?? "")
                + (rows.newest.map { ", newest \(ISO8601.string($0))" } ?? "")
                + "; pg_partman's ATTACH of a new partition would fail"
        }
    }
}

/// The planner's answer for one table.
public struct MaintenancePlan: Hashable, Sendable {
    public var table: QualifiedName
    public var actions: [MaintenanceAction]
    public var findings: [Finding]
}
