import Foundation
import PartmandCore
import PartmandPostgres

/// SQL that every statement making a partition shares (the native engine, the pg_partman driver, migration).
package enum PartitionDDL {
    /// What `CREATE TABLE … (LIKE parent …)` copies for a table that becomes a partition: indexes are not
    /// copied, ATTACH PARTITION builds or adopts the parent's own.
    package static let likeOptions =
        "INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS INCLUDING GENERATED"
}

/// Partition bound literals for DDL, quoted by the server (`quote_literal`) from parameters, never by hand.
package struct BoundLiterals: Sendable {
    /// The quoted lower bound; nil for MINVALUE.
    package var lowerValue: String?
    /// The quoted upper bound; nil for MAXVALUE.
    package var upperValue: String?
    /// The lower bound as `FOR VALUES FROM (…)` takes it.
    package var lower: String { lowerValue ?? "MINVALUE" }
    /// The upper bound as `… TO (…)` takes it.
    package var upper: String { upperValue ?? "MAXVALUE" }

    /// Quotes the bounds of `range` as literals of a `keyType` key.
    package init(_ range: PartitionRange, keyType: PartitionKeyType, on connection: PostgresConnection)
        throws(PostgresError)
    {
        let text = { (bound: RangeBound) in bound.date.map { PostgresValue.text(keyType.text(for: $0)) } }
        let row = try connection.query(
            "SELECT quote_literal($1::text) AS lower, quote_literal($2::text) AS upper",
            [text(range.lower), text(range.upper)], purpose: "quote partition bounds"
        ).rows[0]
        self.init(lowerValue: row["lower"], upperValue: row["upper"])
    }

    package init(lowerValue: String?, upperValue: String?) {
        self.lowerValue = lowerValue
        self.upperValue = upperValue
    }

    /// `instant` as a quoted literal of a `keyType` key.
    package static func literal(_ instant: Date, keyType: PartitionKeyType, on connection: PostgresConnection)
        throws(PostgresError) -> String
    {
        try BoundLiterals(PartitionRange(lower: .value(instant), upper: .maxValue), keyType: keyType, on: connection)
            .lower
    }
}
