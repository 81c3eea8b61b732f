import Foundation

extension DateFormatter {
    /// The oracle of `WallClockText`'s tests: a formatter writing `pattern` (e.g. `yyyy-MM-dd HH:mm xxx`) on the wall clock of `zone`, in the
    /// POSIX locale, so the output never depends on the user's locale settings.
    static func fixed(_ pattern: String, in zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter
    }
}
