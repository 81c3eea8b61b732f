import Foundation
import PartmandTestSupport
import Testing

@testable import PartmandTime

/// `Zone` against glibc's `zdump`, which reads the same files of the system's tz database with glibc's
/// own TZif and POSIX TZ code: every change of UTC offset from 1970 to 2100, the offsets on both sides
/// of each, and the offset in force at the start. Both sides follow a tzdata upgrade together, so no
/// zone needs leaving out when rules change.
@Suite("Zone: the same offsets and changes as glibc's zdump")
struct ZoneZdumpTests {
    /// DST north and south, half and quarter hours, negative DST (Dublin), DST abolished (Sao Paulo,
    /// Istanbul), reinstated (Cairo) or recently changed (Havana, Tehran), a skipped day (Apia), offsets
    /// that never change, and a POSIX-style Etc zone.
    static let zones = [
        "UTC", "Europe/Paris", "Europe/London", "Europe/Dublin", "Europe/Berlin", "Europe/Moscow", "Europe/Istanbul",
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
        "America/Anchorage", "America/Halifax", "America/St_Johns", "America/Sao_Paulo", "America/Havana",
        "America/Santiago", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Apia", "Pacific/Kiritimati",
        "Australia/Sydney", "Australia/Lord_Howe", "Australia/Adelaide", "Asia/Kolkata", "Asia/Kathmandu",
        "Asia/Tehran", "Asia/Tokyo", "Asia/Jerusalem", "Africa/Cairo", "Africa/Johannesburg", "Atlantic/Azores",
        "Etc/GMT+5",
    ]

    /// 1970-01-01 and 2100-01-01, zdump's cut-off years.
    static let start: Int64 = 0
    static let end: Int64 = 4_102_444_800

    /// One change of offset as zdump reports it: the instant, and the offsets just before and from it.
    struct Change: Equatable, CustomStringConvertible {
        let at: Int64
        let before: Int
        let after: Int
        var description: String { "\(at): \(before) -> \(after)" }
    }

    @Test("every change of offset from 1970 to 2100, and the offsets around it", arguments: zones)
    func sameAsZdump(name: String) throws {
        let zone = try #require(Zone(identifier: name))
        let changes = try Self.zdumpChanges(name)
        var ours: [Change] = []
        var at = Self.start
        while let next = zone.nextTransition(after: at), next < Self.end {
            ours.append(Change(at: next, before: zone.offset(at: next - 1), after: zone.offset(at: next)))
            at = next
        }
        #expect(ours.count == changes.count)
        let first = zip(ours, changes).first { $0 != $1 }
        #expect(first == nil, "first difference (partmand, zdump): \(first.map { "\($0)" } ?? "")")
        #expect(zone.offset(at: Self.start) == (try Self.zdumpInitialOffset(name)))
    }

    @Test("zdump's output is read: Paris changes twice a year from 1976, on the hour, by an hour")
    func readsZdump() throws {
        let changes = try Self.zdumpChanges("Europe/Paris")
        #expect(changes.count >= 2 * (2100 - 1976))
        #expect(changes.allSatisfy { $0.at % 3600 == 0 && abs($0.after - $0.before) == 3600 })
        #expect(changes.first == Change(at: 196_819_200, before: 3600, after: 7200))  // 1976-03-28T00:00:00Z, 01:00 CET
        #expect(try Self.zdumpInitialOffset("Asia/Kolkata") == 19_800)
        #expect(try Self.zdumpInitialOffset("America/St_Johns") == -12_600)
    }

    /// The changes of UTC offset zdump -v lists from 1970 to 2100. It prints each change of local time
    /// type as two lines, the second before it and the second at it, with `gmtoff=`; changes of only the
    /// abbreviation or the DST flag are left out.
    static func zdumpChanges(_ name: String) throws -> [Change] {
        var changes: [Change] = []
        var previous: (at: Int64, offset: Int)?
        for line in try zdump(["-v", "-c", "1970,2100", name]).split(separator: "\n") {
            guard let offsetField = line.split(separator: " ").last, offsetField.hasPrefix("gmtoff="),
                let offset = Int(offsetField.dropFirst("gmtoff=".count)),
                let at = universalTime(in: line)
            else { continue }
            if let previous, previous.at == at - 1, previous.offset != offset {
                changes.append(Change(at: at, before: previous.offset, after: offset))
            }
            previous = (at, offset)
        }
        return changes
    }

    /// The offset in force at the start of 1970, from the first interval zdump -i prints (`-  -  +0530  IST`).
    static func zdumpInitialOffset(_ name: String) throws -> Int {
        let lines = try zdump(["-i", "-c", "1970,2100", name]).split(separator: "\n")
        let fields = try #require(lines.first { $0.hasPrefix("-\t") }).split(separator: "\t")
        let text = Array(try #require(fields.dropFirst(2).first).utf8)
        let sign = text.first == UInt8(ascii: "-") ? -1 : 1
        let digits = text.dropFirst().map { Int($0) - 0x30 }
        var parts = stride(from: 0, to: digits.count, by: 2).map { digits[$0] * 10 + digits[$0 + 1] }
        while parts.count < 3 { parts.append(0) }
        return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])
    }

    /// The instant of a zdump -v line: `Europe/Paris  Sun Mar 29 01:00:00 1970 UT = …`.
    static func universalTime(in line: Substring) -> Int64? {
        guard let range = line.range(of: " UT = ") else { return nil }
        let words = line[..<range.lowerBound].split(separator: " ").suffix(4)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard words.count == 4, let month = months.firstIndex(of: String(words[words.startIndex])),
            let day = Int(words[words.startIndex + 1]), let year = Int(words[words.startIndex + 3])
        else { return nil }
        let clock = words[words.startIndex + 2].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        let days = Int64(CivilDate(year: year, month: month + 1, day: day).dayNumber)
        return days * 86_400 + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])
    }

    /// Runs /usr/bin/zdump (Debian's libc-bin, always installed) and returns what it printed.
    static func zdump(_ arguments: [String]) throws -> String {
        let result = try SpawnedProcess.run("/usr/bin/zdump", arguments)
        try #require(result.status == 0, "zdump \(arguments) exited \(result.status)")
        return String(decoding: result.output, as: UTF8.self)
    }
}
