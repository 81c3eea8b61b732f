import Foundation
import PartmandTime

extension PostgresValue {
    /// A point in time as a UTC timestamp with microseconds, e.g. `2026-11-01 00:00:00+00`
    /// or `2026-11-01 00:00:00.25+00`, for years 1 to 9999.
    public init(_ value: Date) {
        self = .text(Self.timestamp(value))
    }

    private static func timestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = floorDiv(micros, 1_000_000)
        let fraction = floorMod(micros, 1_000_000)
        let secondOfDay = floorMod(seconds, 86_400)
        let day = CivilDate(dayNumber: Int(floorDiv(seconds, 86_400)))
        var text = String(
            format: "%04ld-%02ld-%02ld %02lld:%02lld:%02lld",
            day.year, day.month, day.day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60
        )
        if fraction > 0 {
            var digits = String(format: "%06lld", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "+00"
    }
}
