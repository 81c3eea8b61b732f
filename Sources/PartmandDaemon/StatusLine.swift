import Foundation
import PartmandEngine
import PartmandTime

/// The one-line STATUS= text shown by `systemctl status partmand`.
enum StatusLine {
    /// e.g. `last pass 02:00 ok: 12 tables, 3 created, 1 retired; next 2026-11-28 02:00 CET`.
    static func text(last: PassReport?, next: Date, retryAt: Date?, zone: TimeZone) -> String {
        var parts: [String] = []
        if let last {
            let when = format(last.startedAt, zone: zone, pattern: "HH:mm")
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
        if let retryAt { parts.append("retry \(format(retryAt, zone: zone, pattern: "HH:mm"))") }
        parts.append("next \(format(next, zone: zone, pattern: "yyyy-MM-dd HH:mm xxx"))")
        return parts.joined(separator: "; ")
    }

    static func format(_ date: Date, zone: TimeZone, pattern: String) -> String {
        DateFormatter.fixed(pattern, in: zone).string(from: date)
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "")
    }
}
