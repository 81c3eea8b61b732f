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
        var text = "\(WallClockText.date(day)) \(WallClockText.hourMinuteSecond(ofDay: Int(secondOfDay)))"
        if fraction > 0 {
            var digits = zeroPadded(fraction, 6)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "+00"
    }
}
