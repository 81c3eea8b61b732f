import Foundation
import PartmandCore
import PartmandTime

/// A range partition's bound as `pg_get_expr(relpartbound, 0)` prints it, read on this side: the server
/// only prints it (asking it to parse thousands of timestamps costs more than the rest of a pass's read).
///
/// The session runs with `TimeZone` UTC and `DateStyle` ISO (`PostgresConnection.connect`), so a value
/// prints as `'2026-12-01 00:00:00+00'` (timestamptz), `'2026-12-01 00:00:00'` (timestamp, read as UTC)
/// or `'2026-12-01'` (date). Anything else (infinity, BC, a year past 9999, another offset) is left to
/// the server: `literals` lists it and `CatalogReader` asks for its epoch.
enum PartitionBoundText {
    /// What a bound expression says.
    enum Parsed: Equatable {
        case `default`
        case range(lower: Side, upper: Side)
    }

    /// One side of a range bound.
    enum Side: Equatable {
        case bound(RangeBound)
        /// A quoted literal this parser does not read (unquoted), for the server to convert.
        case literal(String)
    }

    /// Parses `FOR VALUES FROM (…) TO (…)` or `DEFAULT`; nil for anything else (a list or hash bound).
    static func parse(_ expression: String) -> Parsed? {
        if expression == "DEFAULT" { return .default }
        let bytes = Array(expression.utf8)
        guard bytes.starts(with: prefix), bytes.last == UInt8(ascii: ")"),
            let middle = firstIndex(of: separator, in: bytes, from: prefix.count)
        else { return nil }
        guard let lower = side(bytes[prefix.count..<middle]),
            let upper = side(bytes[(middle + separator.count)..<(bytes.count - 1)])
        else { return nil }
        return .range(lower: lower, upper: upper)
    }

    private static let prefix = Array("FOR VALUES FROM (".utf8)
    private static let separator = Array(") TO (".utf8)
    private static let minValue = Array("MINVALUE".utf8)
    private static let maxValue = Array("MAXVALUE".utf8)

    private static func firstIndex(of needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func side(_ text: ArraySlice<UInt8>) -> Side? {
        if text.elementsEqual(minValue) { return .bound(.minValue) }
        if text.elementsEqual(maxValue) { return .bound(.maxValue) }
        guard text.count >= 2, text.first == UInt8(ascii: "'"), text.last == UInt8(ascii: "'") else { return nil }
        let literal = text.dropFirst().dropLast()
        if let date = instant(literal) { return .bound(.value(date)) }
        return .literal(String(decoding: literal, as: UTF8.self).replacingOccurrences(of: "''", with: "'"))
    }

    /// `YYYY-MM-DD[ HH:MM:SS[.ffffff][+00]]`, read as UTC; nil for any other shape.
    static func instant(_ text: ArraySlice<UInt8>) -> Date? {
        var scanner = DigitScanner(text)
        guard let year = scanner.digits(4), scanner.skip("-"), let month = scanner.digits(2), scanner.skip("-"),
            let day = scanner.digits(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(CivilDate(year: year, month: month, day: day).dayNumber) * 86_400
        if scanner.atEnd { return Date(timeIntervalSince1970: seconds) }
        guard scanner.skip(" "), let hour = scanner.digits(2), scanner.skip(":"), let minute = scanner.digits(2),
            scanner.skip(":"), let second = scanner.digits(2), hour < 24, minute < 60, second < 60
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if scanner.skip(".") {
            guard let (fraction, count) = scanner.fraction(), count <= 6 else { return nil }
            seconds += Double(fraction) / powersOfTen[count]
        }
        if scanner.atEnd || (scanner.skip("+") && scanner.digits(2) == 0 && scanner.atEnd) {
            return Date(timeIntervalSince1970: seconds)
        }
        return nil
    }

    /// 10⁰ through 10⁶, exact as doubles: the divisors of a fraction of 0 to 6 digits.
    private static let powersOfTen: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]
}

/// Reads ASCII digits and punctuation off UTF-8 bytes.
private struct DigitScanner {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var atEnd: Bool { index == bytes.endIndex }

    /// Exactly `count` digits as a number.
    mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[index..<index + count] {
            guard (48...57).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        index += count
        return value
    }

    /// One or more digits: their value and how many there were.
    mutating func fraction() -> (Int, Int)? {
        var value = 0
        var count = 0
        while index < bytes.endIndex, (48...57).contains(bytes[index]), count < 9 {
            value = value * 10 + Int(bytes[index] - 48)
            count += 1
            index += 1
        }
        return count == 0 ? nil : (value, count)
    }

    /// Consumes `scalar` (ASCII) when it comes next.
    mutating func skip(_ scalar: Unicode.Scalar) -> Bool {
        guard index < bytes.endIndex, UInt32(bytes[index]) == scalar.value else { return false }
        index += 1
        return true
    }
}
