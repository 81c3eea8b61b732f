import Foundation
import Testing

@testable import PartmandTime

/// Seconds since the epoch of `2027-03-28T01:00:00Z`.
private func utc(_ text: String) -> Int64 {
    Int64(try! Date(text, strategy: .iso8601).timeIntervalSince1970)
}

/// A TZif file (RFC 8536). Version 0 holds the data in the 32-bit block; later versions hold a minimal
/// 32-bit block and the data in the 64-bit one, then the footer.
private func tzif(
    version: UInt8, transitions: [(at: Int64, type: UInt8)], offsets: [Int32], footer: String = "", leaps: Int = 0
) -> [UInt8] {
    func be32(_ value: Int32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    func be64(_ value: Int64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
    func header(times: Int, types: Int, leaps: Int) -> [UInt8] {
        Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15)
            + [0, 0, leaps, times, types, 4].flatMap { be32(Int32($0)) }
    }
    func data(timeSize: Int) -> [UInt8] {
        transitions.flatMap { timeSize == 8 ? be64($0.at) : be32(Int32($0.at)) } + transitions.map(\.type)
            + offsets.enumerated().flatMap { be32($1) + [$0 == 0 ? 0 : 1, 0] } + Array("ABC\0".utf8)
            + (0..<leaps).flatMap { _ in [UInt8](repeating: 0, count: timeSize + 4) }
    }
    if version == 0 { return header(times: transitions.count, types: offsets.count, leaps: leaps) + data(timeSize: 4) }
    let version1 = header(times: 0, types: 1, leaps: 0) + be32(0) + [0, 0] + Array("ABC\0".utf8)
    return version1 + header(times: transitions.count, types: offsets.count, leaps: leaps) + data(timeSize: 8)
        + Array("\n\(footer)\n".utf8)
}

@Suite("Zone: TZif files")
struct ZoneTZifTests {
    /// Offsets 0, +1 h from 1000, 0 from 2000, 0 again (another type) from 3000, +1 h from 4000.
    let transitions: [(at: Int64, type: UInt8)] = [(1000, 1), (2000, 0), (3000, 2), (4000, 1)]
    let offsets: [Int32] = [0, 3600, 0]

    @Test(
        "versions 1 to 3: offsets between transitions, the first type before them", arguments: [0, 50, 51] as [UInt8])
    func versions(version: UInt8) throws {
        let rules = try #require(Zone.Rules(tzif: tzif(version: version, transitions: transitions, offsets: offsets)))
        let zone = Zone(identifier: "Test/Blob", rules: rules)
        #expect(zone.offset(at: -1_000_000) == 0)
        #expect(zone.offset(at: 999) == 0)
        #expect(zone.offset(at: 1000) == 3600)
        #expect(zone.offset(at: 1999) == 3600)
        #expect(zone.offset(at: 2000) == 0)
        #expect(zone.offset(at: 3500) == 0)
        #expect(zone.offset(at: 4000) == 3600)
        #expect(zone.offset(at: 10_000_000_000) == 3600)  // the last type, without a footer
        #expect(zone.nextTransition(after: -5) == 1000)
        #expect(zone.nextTransition(after: 1000) == 2000)
        #expect(zone.nextTransition(after: 2000) == 4000)  // 3000 changes the type, not the offset
        #expect(zone.nextTransition(after: 4000) == nil)
    }

    @Test("after the last transition the footer's rule applies")
    func footer() throws {
        let blob = tzif(
            version: 50, transitions: [(utc("2026-03-29T01:00:00Z"), 1), (utc("2026-10-25T01:00:00Z"), 0)],
            offsets: [3600, 7200], footer: "CET-1CEST,M3.5.0,M10.5.0/3")
        let zone = Zone(identifier: "Test/Paris", rules: try #require(Zone.Rules(tzif: blob)))
        #expect(zone.offset(at: utc("2026-07-01T00:00:00Z")) == 7200)
        #expect(zone.offset(at: utc("2026-12-01T00:00:00Z")) == 3600)
        #expect(zone.offset(at: utc("2027-07-01T00:00:00Z")) == 7200)
        #expect(zone.nextTransition(after: utc("2026-07-01T00:00:00Z")) == utc("2026-10-25T01:00:00Z"))
        #expect(zone.nextTransition(after: utc("2026-10-25T01:00:00Z")) == utc("2027-03-28T01:00:00Z"))
        #expect(zone.nextTransition(after: utc("2027-03-28T01:00:00Z")) == utc("2027-10-31T01:00:00Z"))
    }

    @Test("a slim file: no transitions, only the footer")
    func slim() throws {
        let blob = tzif(version: 51, transitions: [], offsets: [3600], footer: "CET-1CEST,M3.5.0,M10.5.0/3")
        let zone = Zone(identifier: "Test/Slim", rules: try #require(Zone.Rules(tzif: blob)))
        #expect(zone.offset(at: utc("2027-01-01T00:00:00Z")) == 3600)
        #expect(zone.offset(at: utc("2027-03-28T00:59:59Z")) == 3600)
        #expect(zone.offset(at: utc("2027-03-28T01:00:00Z")) == 7200)
        #expect(zone.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-03-28T01:00:00Z"))
        #expect(zone.nextTransition(after: utc("2027-03-28T01:00:00Z")) == utc("2027-10-31T01:00:00Z"))
        #expect(zone.offset(at: utc("2099-07-01T00:00:00Z")) == 7200)
    }

    @Test("malformed files are refused")
    func malformed() {
        let good = tzif(version: 50, transitions: transitions, offsets: offsets)
        #expect(Zone.Rules(tzif: good) != nil)
        #expect(Zone.Rules(tzif: Array(good.dropLast(5))) == nil)  // truncated footer
        #expect(Zone.Rules(tzif: Array(good.prefix(60))) == nil)  // truncated data
        #expect(Zone.Rules(tzif: [UInt8]("TZjf".utf8) + good.dropFirst(4)) == nil)
        #expect(Zone.Rules(tzif: tzif(version: 50, transitions: [(1000, 3)], offsets: offsets)) == nil)  // no type 3
        #expect(Zone.Rules(tzif: tzif(version: 50, transitions: [(2000, 0), (1000, 1)], offsets: offsets)) == nil)
        #expect(Zone.Rules(tzif: tzif(version: 50, transitions: [], offsets: [0], leaps: 1)) == nil)
        #expect(Zone.Rules(tzif: tzif(version: 50, transitions: [], offsets: [0], footer: "CET-1CEST,M3")) == nil)
        #expect(Zone.Rules(tzif: tzif(version: 50, transitions: [], offsets: [])) == nil)
    }

    @Test("zone names: only relative names of letters, digits, . _ + - in single-slash components")
    func names() {
        for name in [
            "Europe/Paris", "Etc/GMT+5", "Etc/GMT-14", "America/Argentina/Buenos_Aires", "EST5EDT",
            "America/Port-au-Prince",
        ] {
            #expect(Zone.isValidName(name), "\(name)")
        }
        for name in [
            "", "../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd", "Europe/..", "./UTC", "Europe//Paris",
            "Europe/Paris/", "Europe/Par is", "Europe/París", "Europe/Paris\u{0}", "Europe\\Paris",
            String(repeating: "a", count: 256),
        ] {
            #expect(!Zone.isValidName(name), "\(name)")
        }
    }

    @Test("zones from the tz database; names that are no zone files give nil")
    func database() throws {
        let paris = try #require(Zone(identifier: "Europe/Paris"))
        #expect(paris.identifier == "Europe/Paris")
        #expect(paris.offset(at: utc("2027-07-01T00:00:00Z")) == 7200)
        for name in ["Nowhere/Else", "Europe", "zone.tab", "../../../etc/passwd", "/etc/localtime", "right/../UTC"] {
            #expect(Zone(identifier: name) == nil, "\(name)")
        }
        // UTC needs no file.
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-zoneinfo-\(getpid())").path
        #expect(Zone(identifier: "UTC", directory: empty) == .utc)
        #expect(Zone(identifier: "Europe/Paris", directory: empty) == nil)
        #expect(Zone.utc.offset(at: 0) == 0 && Zone.utc.nextTransition(after: 0) == nil)
    }

    @Test("the system zone: TZ, else /etc/localtime's link or content, else UTC")
    func system() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zone-system-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(
            atPath: link, withDestinationPath: "../usr/share/zoneinfo/America/New_York")
        let copy = directory.appendingPathComponent("copy").path
        try FileManager.default.copyItem(atPath: "/usr/share/zoneinfo/Asia/Kolkata", toPath: copy)
        let missing = directory.appendingPathComponent("missing").path

        #expect(Zone.system(tz: "Europe/Paris", localtime: link).identifier == "Europe/Paris")
        #expect(Zone.system(tz: ":Asia/Tokyo", localtime: link).identifier == "Asia/Tokyo")
        let posix = Zone.system(tz: "CET-1CEST,M3.5.0,M10.5.0/3", localtime: link)
        #expect(posix.identifier == "CET-1CEST,M3.5.0,M10.5.0/3")
        #expect(posix.offset(at: utc("2027-07-01T00:00:00Z")) == 7200)
        #expect(Zone.system(tz: "Not/A_Zone", localtime: link) == .utc)
        #expect(Zone.system(tz: nil, localtime: link).identifier == "America/New_York")
        #expect(Zone.system(tz: "", localtime: link).identifier == "America/New_York")
        let content = Zone.system(tz: nil, localtime: copy)
        #expect(content.identifier == "localtime")
        #expect(content.offset(at: utc("2027-07-01T00:00:00Z")) == 19_800)
        #expect(Zone.system(tz: nil, localtime: missing) == .utc)
    }
}

@Suite("Zone: POSIX TZ strings")
struct PosixTZTests {
    private func zone(_ text: String) throws -> Zone { try #require(Zone(posixTZ: text), "\(text)") }

    @Test("northern and southern hemispheres, DST over the new year")
    func hemispheres() throws {
        let sydney = try zone("AEST-10AEDT,M10.1.0,M4.1.0/3")
        #expect(sydney.offset(at: utc("2027-01-15T00:00:00Z")) == 39_600)
        #expect(sydney.offset(at: utc("2027-07-15T00:00:00Z")) == 36_000)
        #expect(sydney.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-04-03T16:00:00Z"))
        #expect(sydney.nextTransition(after: utc("2027-04-03T16:00:00Z")) == utc("2027-10-02T16:00:00Z"))
        #expect(sydney.nextTransition(after: utc("2027-10-02T16:00:00Z")) == utc("2028-04-01T16:00:00Z"))
        #expect(sydney.offset(at: utc("2027-12-31T23:59:59Z")) == 39_600)

        let lordHowe = try zone("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
        #expect(lordHowe.offset(at: utc("2027-01-15T00:00:00Z")) == 39_600)
        #expect(lordHowe.offset(at: utc("2027-07-15T00:00:00Z")) == 37_800)
        #expect(lordHowe.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-04-03T15:00:00Z"))
        #expect(lordHowe.nextTransition(after: utc("2027-04-03T15:00:00Z")) == utc("2027-10-02T15:30:00Z"))

        let newYork = try zone("EST5EDT,M3.2.0,M11.1.0")
        #expect(newYork.offset(at: utc("2027-01-15T00:00:00Z")) == -18_000)
        #expect(newYork.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-03-14T07:00:00Z"))
        #expect(newYork.nextTransition(after: utc("2027-03-14T07:00:00Z")) == utc("2027-11-07T06:00:00Z"))
        // Without rules, the US ones.
        #expect(try zone("EST5EDT").nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-03-14T07:00:00Z"))
    }

    @Test("fixed offsets: negative, quarter hours, quoted names")
    func fixed() throws {
        #expect(try zone("<-03>3").offset(at: 0) == -10_800)
        #expect(try zone("<-03>3").nextTransition(after: 0) == nil)
        #expect(try zone("<+0545>-5:45").offset(at: 0) == 20_700)
        #expect(try zone("<-0930>9:30").offset(at: 0) == -34_200)
        #expect(try zone("UTC0").offset(at: 0) == 0)
        #expect(try zone("LMT+0:09:21").offset(at: 0) == -561)
    }

    @Test("version 3: negative rule times and hours past 24; negative DST; DST all year")
    func version3() throws {
        // America/Nuuk since 2023: DST from Saturday 23:00 -02 to Sunday 00:00 -01, at 01:00Z both times.
        let nuuk = try zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")
        #expect(nuuk.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-03-28T01:00:00Z"))
        #expect(nuuk.nextTransition(after: utc("2027-03-28T01:00:00Z")) == utc("2027-10-31T01:00:00Z"))
        #expect(nuuk.offset(at: utc("2027-07-01T00:00:00Z")) == -3600)
        // Europe/Dublin: standard time is summer's IST, "DST" is winter's GMT.
        let dublin = try zone("IST-1GMT0,M10.5.0,M3.5.0/1")
        #expect(dublin.offset(at: utc("2027-01-15T00:00:00Z")) == 0)
        #expect(dublin.offset(at: utc("2027-07-15T00:00:00Z")) == 3600)
        #expect(dublin.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-03-28T01:00:00Z"))
        #expect(dublin.nextTransition(after: utc("2027-03-28T01:00:00Z")) == utc("2027-10-31T01:00:00Z"))
        // DST all year: the end on December 31 at 25:00 meets the next start.
        let always = try zone("EST5EDT,0/0,J365/25")
        for text in ["2027-01-01T00:30:00Z", "2027-01-01T05:00:00Z", "2027-06-01T00:00:00Z", "2027-12-31T23:59:59Z"] {
            #expect(always.offset(at: utc(text)) == -14_400, "\(text)")
        }
        #expect(always.nextTransition(after: utc("2027-06-01T00:00:00Z")) == nil)
        // 167 hours after the start of a day.
        let late = try zone("<+03>-3<+04>,M3.5.0/167,M10.5.0/3")
        #expect(late.nextTransition(after: utc("2027-01-01T00:00:00Z")) == utc("2027-04-03T20:00:00Z"))
    }

    @Test("Julian days: Jn never counts February 29, n counts it")
    func julian() throws {
        typealias RuleDate = PosixTZ.RuleDate
        let march1 = { (year: Int) in CivilDate(year: year, month: 3, day: 1).dayNumber }
        #expect(RuleDate.julian(60).dayNumber(in: 2028) == march1(2028))
        #expect(RuleDate.julian(60).dayNumber(in: 2027) == march1(2027))
        #expect(RuleDate.julian(59).dayNumber(in: 2028) == march1(2028) - 2)  // February 28
        #expect(RuleDate.julian(365).dayNumber(in: 2028) == CivilDate(year: 2028, month: 12, day: 31).dayNumber)
        #expect(RuleDate.zeroBased(59).dayNumber(in: 2028) == march1(2028) - 1)  // February 29
        #expect(RuleDate.zeroBased(59).dayNumber(in: 2027) == march1(2027))
        #expect(RuleDate.zeroBased(365).dayNumber(in: 2028) == CivilDate(year: 2028, month: 12, day: 31).dayNumber)
        #expect(RuleDate.zeroBased(0).dayNumber(in: 2027) == CivilDate(year: 2027, month: 1, day: 1).dayNumber)
        // The last Sunday of February 2027 is the 28th; the fifth Monday of March 2027 is the 29th.
        #expect(
            RuleDate.monthWeekDay(month: 2, week: 5, weekday: 0).dayNumber(in: 2027)
                == CivilDate(year: 2027, month: 2, day: 28).dayNumber)
        #expect(
            RuleDate.monthWeekDay(month: 3, week: 5, weekday: 1).dayNumber(in: 2027)
                == CivilDate(year: 2027, month: 3, day: 29).dayNumber)

        let j = try zone("<+03>-3<+04>,J60/0,J300/0")
        #expect(j.offset(at: utc("2028-02-29T12:00:00Z")) == 10_800)
        #expect(j.nextTransition(after: utc("2028-01-01T00:00:00Z")) == utc("2028-02-29T21:00:00Z"))
        let n = try zone("<+03>-3<+04>,59/0,299/0")
        #expect(n.offset(at: utc("2028-02-29T12:00:00Z")) == 14_400)
        #expect(n.nextTransition(after: utc("2028-01-01T00:00:00Z")) == utc("2028-02-28T21:00:00Z"))
    }

    @Test("malformed strings are refused")
    func malformed() {
        for text in [
            "", "CE", "CET", "CET-", "<+05", "<+5>-5", "CET-25", "CET-1:60", "CET-1CEST,M13.1.0,M10.5.0",
            "CET-1CEST,M3.5.0", "CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1CEST,J0,J365", "CET-1CEST,366,0",
            "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1 CEST",
        ] {
            #expect(Zone(posixTZ: text) == nil, "\(text)")
        }
    }
}
