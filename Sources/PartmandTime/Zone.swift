import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An IANA time zone read from the system's tz database (TZif files in `/usr/share/zoneinfo`, or `$TZDIR`),
/// without ICU: Foundation's `TimeZone(identifier:)` and `TimeZone.current` load ICU's zone data, several
/// MiB of a daemon's resident set (BENCHMARKS.md, "The daemon at rest").
///
/// A zone answers two questions, which are all partmand asks of one: its offset from UTC at an instant,
/// and the next instant its offset changes. Instants are whole seconds since 1970-01-01T00:00:00Z (a
/// `Date`'s fraction is dropped towards the past). Zones compare by identifier.
public struct Zone: Hashable, Sendable, CustomStringConvertible {
    /// The IANA name (`Europe/Paris`), or the `TZ` string or `localtime` of a system zone named otherwise.
    public let identifier: String
    private let rules: Rules

    /// UTC, which needs no file.
    public static let utc = Zone(identifier: "UTC", rules: Rules(transitions: [], offsets: [], initialOffset: 0))

    init(identifier: String, rules: Rules) {
        self.identifier = identifier
        self.rules = rules
    }

    /// The zone named `identifier` in the tz database; nil when the name is not a zone name (see
    /// `isValidName`) or no readable TZif file of that name exists. `UTC` needs no file.
    public init?(identifier: String) {
        self.init(identifier: identifier, directory: Zone.directory)
    }

    init?(identifier: String, directory: String) {
        if identifier == Zone.utc.identifier {
            self = .utc
            return
        }
        guard Zone.isValidName(identifier), let bytes = readFile(directory + "/" + identifier),
            let rules = Rules(tzif: bytes)
        else { return nil }
        self.init(identifier: identifier, rules: rules)
    }

    /// The zone a POSIX `TZ` string describes (`CET-1CEST,M3.5.0,M10.5.0/3`, `<+0545>-5:45`), named by it.
    public init?(posixTZ: String) {
        guard let rule = PosixTZ(parsing: posixTZ) else { return nil }
        self.init(identifier: posixTZ, rules: Rules(transitions: [], offsets: [], initialOffset: 0, footer: rule))
    }

    /// The system's zone, as the C library finds it: the `TZ` environment variable (a zone name, with or
    /// without a leading `:`, or a POSIX `TZ` string; UTC when it is neither), else the zone that
    /// `/etc/localtime` links to (or its content, named `localtime`), else UTC.
    public static var system: Zone {
        system(tz: getenv("TZ").map { String(cString: $0) }, localtime: "/etc/localtime")
    }

    static func system(tz: String?, localtime: String) -> Zone {
        if let tz, !tz.isEmpty {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            return Zone(identifier: name) ?? Zone(posixTZ: name) ?? .utc
        }
        if let target = readLink(localtime), let name = nameAfterZoneinfo(target), let zone = Zone(identifier: name) {
            return zone
        }
        if let bytes = readFile(localtime), let rules = Rules(tzif: bytes) {
            return Zone(identifier: "localtime", rules: rules)
        }
        return .utc
    }

    /// `Europe/Paris` of `/usr/share/zoneinfo/Europe/Paris` or `../usr/share/zoneinfo/Europe/Paris`.
    private static func nameAfterZoneinfo(_ path: String) -> String? {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let index = components.lastIndex(of: "zoneinfo"), index + 1 < components.count else { return nil }
        return components[(index + 1)...].joined(separator: "/")
    }

    /// Where the TZif files are: `$TZDIR`, else `/usr/share/zoneinfo`.
    private static var directory: String {
        if let value = getenv("TZDIR"), value.pointee != 0 { return String(cString: value) }
        return "/usr/share/zoneinfo"
    }

    /// Whether `name` may name a file under the zone directory: relative, made of ASCII letters, digits,
    /// `.`, `_`, `+` and `-` in components separated by single slashes, none of them `.` or `..`, at most 255
    /// bytes. This keeps a configured name from reaching any other file (`../../etc/passwd`, `/etc/shadow`).
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        let allowed = name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "+"),
                UInt8(ascii: "-"), UInt8(ascii: "/"):
                true
            default: false
            }
        }
        return allowed
            && name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && $0 != "." && $0 != ".."
            }
    }

    public var description: String { identifier }

    public static func == (lhs: Zone, rhs: Zone) -> Bool { lhs.identifier == rhs.identifier }

    public func hash(into hasher: inout Hasher) { hasher.combine(identifier) }

    // MARK: - Offsets

    /// The offset from UTC in seconds at `seconds` since the epoch (east positive).
    public func offset(at seconds: Int64) -> Int { Int(rules.offset(at: seconds)) }

    /// The first instant strictly after `seconds` at which the offset from UTC changes; nil when it never
    /// changes again. Transitions that change only a zone's abbreviation or its DST flag are not changes.
    public func nextTransition(after seconds: Int64) -> Int64? { rules.nextChange(after: seconds) }

    /// `TimeZone.secondsFromGMT(for:)`.
    public func secondsFromGMT(for date: Date) -> Int { offset(at: Zone.seconds(date)) }

    /// `TimeZone.nextDaylightSavingTimeTransition(after:)`, for every change of offset.
    public func nextTransition(after date: Date) -> Date? {
        nextTransition(after: Zone.seconds(date)).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    private static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }
}

extension Zone {
    /// What a TZif file says: the offsets between transitions, and the POSIX TZ rule after the last one.
    struct Rules: Sendable {
        /// Ascending instants at which the zone's local time type changes.
        var transitions: [Int64]
        /// The offset from `transitions[i]` on.
        var offsets: [Int32]
        /// The offset before the first transition (the file's time type 0), and always when there is none
        /// and no footer.
        var initialOffset: Int32
        /// The rule for instants after the last transition (all instants when there is no transition).
        var footer: PosixTZ? = nil

        func offset(at seconds: Int64) -> Int32 {
            guard let last = transitions.last else { return footer?.offset(at: seconds) ?? initialOffset }
            if seconds > last, let footer { return footer.offset(at: seconds) }
            let index = transitionIndex(atOrBefore: seconds)
            return index.map { offsets[$0] } ?? initialOffset
        }

        func nextChange(after seconds: Int64) -> Int64? {
            var current = offset(at: seconds)
            var index = (transitionIndex(atOrBefore: seconds) ?? -1) + 1
            while index < transitions.count {
                if offsets[index] != current { return transitions[index] }
                current = offsets[index]
                index += 1
            }
            return footer?.nextChange(after: max(seconds, transitions.last ?? seconds), from: current)
        }

        /// The index of the last transition at or before `seconds`; nil when there is none.
        private func transitionIndex(atOrBefore seconds: Int64) -> Int? {
            var low = 0
            var high = transitions.count
            while low < high {
                let middle = (low + high) / 2
                if transitions[middle] <= seconds { low = middle + 1 } else { high = middle }
            }
            return low == 0 ? nil : low - 1
        }

        /// Reads a TZif file (RFC 8536, versions 1 to 4): the 64-bit data block and the footer of version 2
        /// and later, the 32-bit block of version 1. Nil when malformed, or when it counts leap seconds (the
        /// `right/` zones, whose instants are not POSIX seconds).
        init?(tzif bytes: [UInt8]) {
            var reader = ByteReader(bytes: bytes)
            guard let header = reader.header() else { return nil }
            if header.version >= UInt8(ascii: "2") {
                // Skip the version 1 block, then read the header and data of the 64-bit one.
                guard reader.skip(header.dataLength(timeSize: 4)), let header64 = reader.header(),
                    let rules = Rules(reading: &reader, header64, timeSize: 8)
                else { return nil }
                self = rules
                guard let footer = reader.footer() else { return nil }
                if !footer.isEmpty {
                    guard let rule = PosixTZ(parsing: footer) else { return nil }
                    self.footer = rule
                }
            } else {
                guard let rules = Rules(reading: &reader, header, timeSize: 4) else { return nil }
                self = rules
            }
        }

        init(transitions: [Int64], offsets: [Int32], initialOffset: Int32, footer: PosixTZ? = nil) {
            self.transitions = transitions
            self.offsets = offsets
            self.initialOffset = initialOffset
            self.footer = footer
        }

        private init?(reading reader: inout ByteReader, _ header: TZifHeader, timeSize: Int) {
            guard header.leapCount == 0, header.typeCount > 0 else { return nil }
            var times: [Int64] = []
            for _ in 0..<header.timeCount {
                guard let time = timeSize == 8 ? reader.int64() : reader.int32().map(Int64.init) else { return nil }
                if let last = times.last, time <= last { return nil }
                times.append(time)
            }
            var indices: [Int] = []
            for _ in 0..<header.timeCount {
                guard let index = reader.byte(), Int(index) < header.typeCount else { return nil }
                indices.append(Int(index))
            }
            var typeOffsets: [Int32] = []
            for _ in 0..<header.typeCount {
                // utoff, then isdst and the abbreviation's index, which partmand does not need.
                guard let offset = reader.int32(), offset != Int32.min, reader.skip(2) else { return nil }
                typeOffsets.append(offset)
            }
            guard reader.skip(header.charCount + header.isStdCount + header.isUTCount) else { return nil }
            self.init(transitions: times, offsets: indices.map { typeOffsets[$0] }, initialOffset: typeOffsets[0])
        }
    }

    struct TZifHeader {
        var version: UInt8
        var isUTCount: Int
        var isStdCount: Int
        var leapCount: Int
        var timeCount: Int
        var typeCount: Int
        var charCount: Int

        /// The length of the data block that follows the header.
        func dataLength(timeSize: Int) -> Int {
            timeCount * timeSize + timeCount + typeCount * 6 + charCount + leapCount * (timeSize + 4) + isStdCount
                + isUTCount
        }
    }

    /// Big-endian reading of a byte array, every read checked against its end.
    struct ByteReader {
        let bytes: [UInt8]
        var position = 0

        mutating func skip(_ count: Int) -> Bool {
            guard count >= 0, count <= bytes.count - position else { return false }
            position += count
            return true
        }

        mutating func byte() -> UInt8? {
            guard position < bytes.count else { return nil }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func int32() -> Int32? { unsigned(4).map { Int32(truncatingIfNeeded: $0) } }

        mutating func int64() -> Int64? { unsigned(8).map { Int64(bitPattern: $0) } }

        private mutating func unsigned(_ size: Int) -> UInt64? {
            guard size <= bytes.count - position else { return nil }
            var value: UInt64 = 0
            for byte in bytes[position..<(position + size)] { value = value << 8 | UInt64(byte) }
            position += size
            return value
        }

        /// `TZif`, the version, 15 unused bytes and six counts.
        mutating func header() -> TZifHeader? {
            guard bytes.count - position >= 44, Array(bytes[position..<(position + 4)]) == Array("TZif".utf8) else {
                return nil
            }
            let version = bytes[position + 4]
            position += 20
            var counts: [Int] = []
            for _ in 0..<6 {
                guard let count = int32(), count >= 0 else { return nil }
                counts.append(Int(count))
            }
            return TZifHeader(
                version: version, isUTCount: counts[0], isStdCount: counts[1], leapCount: counts[2],
                timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
        }

        /// The text between the newlines that end a version 2+ file.
        mutating func footer() -> String? {
            guard byte() == UInt8(ascii: "\n") else { return nil }
            guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }
    }
}

/// The whole content of a regular file (at most 1 MiB), through the C library.
private func readFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
    let limit = 1 << 20
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { return bytes }
        bytes.append(contentsOf: chunk[0..<count])
        guard bytes.count <= limit else { return nil }
    }
}

/// The target of a symbolic link; nil when `path` is not one.
private func readLink(_ path: String) -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, $0.count - 1) }
    guard count > 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
