/// One journal entry as a list of fields (a field may repeat).
struct JournalEntry: Sendable {
    var fields: [(name: String, value: [UInt8])] = []

    /// Names of the fields, in order.
    var names: [String] { fields.map(\.name) }

    /// The first value of `name` as UTF-8 text.
    subscript(name: String) -> String? {
        fields.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// Parses journald's native protocol (what the journal client writes to /run/systemd/journal/socket)
/// and journalctl's export format, which use the same field encoding:
/// - `NAME=value\n` for values without a newline;
/// - `NAME\n<64-bit little-endian length><value bytes>\n` for any value (binary-safe).
/// Export format separates entries with an empty line.
enum JournalWireFormat {
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "malformed journal data at byte \(offset): \(reason)" }
    }

    /// Parses one native-protocol datagram.
    static func parseDatagram(_ bytes: [UInt8]) throws -> JournalEntry {
        var index = 0
        let entry = try parseFields(bytes, &index, entryEndsAtBlankLine: false)
        guard index == bytes.count else { throw Malformed(offset: index, reason: "trailing data") }
        return entry
    }

    /// Parses `journalctl -o export` output.
    static func parseExport(_ bytes: [UInt8]) throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        var index = 0
        while index < bytes.count {
            entries.append(try parseFields(bytes, &index, entryEndsAtBlankLine: true))
        }
        return entries
    }

    private static let newline = UInt8(ascii: "\n")
    private static let equals = UInt8(ascii: "=")

    private static func parseFields(_ bytes: [UInt8], _ index: inout Int, entryEndsAtBlankLine: Bool) throws
        -> JournalEntry
    {
        var entry = JournalEntry()
        while index < bytes.count {
            if bytes[index] == newline {
                guard entryEndsAtBlankLine else { throw Malformed(offset: index, reason: "empty line") }
                index += 1
                return entry
            }
            guard let stop = bytes[index...].firstIndex(where: { $0 == newline || $0 == equals }) else {
                throw Malformed(offset: index, reason: "field without end")
            }
            let name = String(decoding: bytes[index..<stop], as: UTF8.self)
            if bytes[stop] == equals {
                guard let end = bytes[(stop + 1)...].firstIndex(of: newline) else {
                    throw Malformed(offset: stop, reason: "value without newline")
                }
                entry.fields.append((name, Array(bytes[(stop + 1)..<end])))
                index = end + 1
            } else {
                let lengthStart = stop + 1
                guard lengthStart + 8 <= bytes.count else { throw Malformed(offset: stop, reason: "short length") }
                var length: UInt64 = 0
                for (shift, byte) in bytes[lengthStart..<(lengthStart + 8)].enumerated() {
                    length |= UInt64(byte) << (8 * UInt64(shift))
                }
                let valueStart = lengthStart + 8
                guard length <= UInt64(bytes.count - valueStart), valueStart + Int(length) < bytes.count,
                    bytes[valueStart + Int(length)] == newline
                else { throw Malformed(offset: lengthStart, reason: "bad binary value of length \(length)") }
                entry.fields.append((name, Array(bytes[valueStart..<(valueStart + Int(length))])))
                index = valueStart + Int(length) + 1
            }
        }
        return entry
    }

    /// journald's rule for client-supplied field names: 1–64 chars of A-Z0-9_, no leading digit or `_`.
    static func isValidClientFieldName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes[0] != UInt8(ascii: "_") else { return false }
        guard !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0]) else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }
}
