/// A JSON array of strings, such as `array_to_json(array_agg(attname))` prints, read without Foundation's
/// `JSONDecoder` (whose set-up cost, paid once per table of a catalog read, dwarfed the parsing).
enum JSONStringArray {
    /// The strings of `text` when it is a JSON array of strings (RFC 8259: escapes, `\u` surrogate pairs,
    /// whitespace between tokens; a trailing comma too, as `JSONDecoder` reads it); nil for anything else.
    static func parse(_ text: String) -> [String]? {
        var reader = Reader(bytes: Array(text.utf8))
        guard reader.take(UInt8(ascii: "[")) else { return nil }
        var strings: [String] = []
        // A comma before the closing bracket is let through, as Foundation's decoder lets it through.
        while !reader.take(UInt8(ascii: "]")) {
            guard let string = reader.string() else { return nil }
            strings.append(string)
            if reader.take(UInt8(ascii: "]")) { break }
            guard reader.take(UInt8(ascii: ",")) else { return nil }
        }
        reader.skipWhitespace()
        return reader.atEnd ? strings : nil
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// Consumes `byte`, after any whitespace, when it comes next.
        mutating func take(_ byte: UInt8) -> Bool {
            skipWhitespace()
            return next(byte)
        }

        /// Consumes `byte` when it comes next.
        private mutating func next(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string token, after any whitespace.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var utf8: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let scalar = escape() else { return nil }
                    UTF8.encode(scalar) { utf8.append($0) }
                case 0..<0x20: return nil
                default: utf8.append(byte)
                }
            }
            return nil
        }

        /// The character an escape (after its backslash) stands for.
        private mutating func escape() -> Unicode.Scalar? {
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return Unicode.Scalar(byte)
            case UInt8(ascii: "b"): return "\u{08}"
            case UInt8(ascii: "f"): return "\u{0C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return nil }
                guard (0xD800...0xDBFF).contains(unit) else { return Unicode.Scalar(unit) }
                // A high surrogate must be followed by an escaped low one.
                guard next(UInt8(ascii: "\\")), next(UInt8(ascii: "u")), let low = hex4(),
                    (0xDC00...0xDFFF).contains(low)
                else { return nil }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            default: return nil
            }
        }

        /// Four hexadecimal digits as a UTF-16 code unit.
        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[index..<(index + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
    }
}
