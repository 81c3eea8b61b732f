import Foundation

/// What partmand reports about a pg_partman set before pg_partman maintains it. pg_partman decides what
/// to create and retire; partmand only judges, with the same rules as the planner. Pure: same inputs,
/// same findings.
///
/// Rules:
/// - partitions ahead are those starting after `now`; fewer than the set's `premake` is a shortfall;
/// - with a retention, the cutoff is `now − retention` (pg_partman's interval, taken off on the UTC
///   calendar as the session computes it), and a partition is due when its range ends at or before the
///   cutoff (`PartitionRange.endsBy`, the planner's rule), so nothing holding a later instant is due.
public enum PartmanReview {
    /// The findings about the set's partitions, and the retention cutoff when it has a retention.
    public struct Result: Hashable, Sendable {
        public var findings: [Finding]
        /// now − retention; nil without a retention.
        public var cutoff: Date?
    }

    public static func review(_ snapshot: TableSnapshot, premake: Int, retention: IntervalSpan?, now: Date) -> Result {
        var findings: [Finding] = []
        let ahead = snapshot.partitions.filter { $0.range.lower > .value(now) }.count
        if ahead < premake { findings.append(.premakeShortfall(ahead: ahead, premake: premake)) }
        let cutoff = retention?.subtracted(from: now)
        if let cutoff {
            for partition in snapshot.partitions where partition.range.endsBy(cutoff) {
                findings.append(.retentionDue(partition.name, partition.range))
            }
        }
        return Result(findings: findings, cutoff: cutoff)
    }
}
