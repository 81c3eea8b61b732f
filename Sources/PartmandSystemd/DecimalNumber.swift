/// systemd's environment numbers (`WATCHDOG_USEC`, `WATCHDOG_PID`, the parts of `JOURNAL_STREAM`):
/// decimal digits only, so signs, spaces and other spellings `UInt64.init` would take are refused.
enum DecimalNumber {
    /// `text` as a number when it is one or more ASCII digits that fit in 64 bits, else `nil`.
    static func parse<Text: StringProtocol>(_ text: Text) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }
}
