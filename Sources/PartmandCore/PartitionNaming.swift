import Foundation

/// Partition names the way pg_partman 5 makes them: `<parent>_pYYYYMMDD` for intervals of a day or
/// more, `<parent>_pYYYYMMDD_HH24MISS` below a day, `<parent>_default` for the default partition,
/// shortening the parent part so the whole name fits PostgreSQL's 63-byte limit.
///
/// Names are only for new partitions: existing ones are always identified by their bounds.
public enum PartitionNaming {
    /// PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.
    public static let maxIdentifierBytes = 63

    /// `_pYYYYMMDD` or `_pYYYYMMDD_HH24MISS` for a child whose lower bound is `lowerBound`.
    static func childSuffix(lowerBound: Date, calendar: PartitionCalendar) -> String {
        let c = calendar.wallClock(of: lowerBound)
        var suffix = "_p" + pad(c.year!, 4) + pad(c.month!, 2) + pad(c.day!, 2)
        if calendar.interval.isSubDay {
            suffix += "_" + pad(c.hour!, 2) + pad(c.minute!, 2) + pad(c.second!, 2)
        }
        return suffix
    }

    /// `parent + suffix`, or `parent + suffix` with `_1`, `_2`, ... when `taken` already holds it; only the
    /// parent part is shortened to fit 63 bytes, so the suffix always stays whole.
    static func unique(parent: String, suffix: String, taken: Set<String>) -> String {
        var candidate = fit(parent: parent, suffix: suffix)
        var n = 0
        while taken.contains(candidate) {
            n += 1
            candidate = fit(parent: parent, suffix: suffix + "_\(n)")
        }
        return candidate
    }

    /// `parent + suffix`, with `parent` cut (at a character boundary) so the result fits in 63 bytes.
    public static func fit(parent: String, suffix: String) -> String {
        let budget = maxIdentifierBytes - suffix.utf8.count
        var kept = ""
        var used = 0
        for character in parent {
            let size = character.utf8.count
            if used + size > budget { break }
            kept.append(character)
            used += size
        }
        return kept + suffix
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
