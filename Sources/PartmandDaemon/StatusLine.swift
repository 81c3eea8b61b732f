import Foundation
import PartmandEngine
import PartmandTime

/// The one-line STATUS= text shown by `systemctl status partmand`.
enum StatusLine {
    /// e.g. `last pass 02:00 ok: 12 tables, 3 created, 1 retired; next 2026-11-28 02:00 CET`.
    static func text(last: PassReport?, next: Date, retryAt: Date?, zone: Zone) -> String {
        var parts: [String] = []
        if let last {
            let when = hourMinute(last.startedAt, zone: zone)
            if let unreachable = last.unreachable {
                parts.append("last pass \(when) failed: database unreachable (\(firstLine(unreachable.message)))")
            } else if last.standby {
                parts.append("last pass \(when): server is a standby, nothing to do")
            } else if last.citusWorker {
                parts.append("last pass \(when): server is a Citus worker node, nothing to do")
            } else {
                let verdict = last.succeeded ? "ok" : "\(last.failedCount) of \(last.tables.count) tables FAILED"
                parts.append(
                    "last pass \(when) \(verdict): \(last.tables.count) tables, \(last.createdCount) created, "
                        + "\(last.retiredCount) retired")
            }
        } else {
            parts.append("no pass yet")
        }
        if let retryAt { parts.append("retry \(hourMinute(retryAt, zone: zone))") }
        parts.append("next \(dateHourMinuteOffset(next, zone: zone))")
        return parts.joined(separator: "; ")
    }

    /// `HH:mm` on the wall clock of `zone`. No `DateFormatter`: it would bring ICU's locale and zone-name
    /// data into memory for the daemon's whole life (BENCHMARKS.md, "The daemon at rest").
    static func hourMinute(_ date: Date, zone: Zone) -> String {
        WallClockText.hourMinute(seconds(date), offset: zone.secondsFromGMT(for: date))
    }

    /// `yyyy-MM-dd HH:mm xxx` on the wall clock of `zone`, e.g. `2026-11-28 02:00 +01:00`.
    static func dateHourMinuteOffset(_ date: Date, zone: Zone) -> String {
        WallClockText.dateHourMinuteOffset(seconds(date), offset: zone.secondsFromGMT(for: date))
    }

    private static func seconds(_ date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970.rounded(.down))
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "")
    }
}
