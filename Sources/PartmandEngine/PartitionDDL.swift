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
        let row = try connection.query(
            "SELECT \(Self.selectList)", Self.parameters(range, keyType: keyType), purpose: "quote partition bounds"
        ).rows[0]
        self.init(row)
    }

    /// The select list that quotes a range's bounds, from `parameters` as `$1` and `$2`; a query may
    /// select more after it (numbering its own parameters from `$3`) and read the bounds with `init(_:)`.
    package static let selectList = "quote_literal($1::text) AS lower, quote_literal($2::text) AS upper"

    /// `$1` and `$2` of `selectList`: the bounds of `range` as text of a `keyType` key (NULL when infinite).
    package static func parameters(_ range: PartitionRange, keyType: PartitionKeyType) -> [PostgresValue?] {
        [range.lower, range.upper].map { bound in bound.date.map { PostgresValue.text(keyType.text(for: $0)) } }
    }

    /// The bounds a `selectList` query returned.
    package init(_ row: Row) {
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
