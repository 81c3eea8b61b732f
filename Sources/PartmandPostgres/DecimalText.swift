/// Whole numbers read straight off a value's bytes, without making a `String` of them first.
enum DecimalText {
    /// The text as `Int64(_: String)` reads it: an optional `+` or `-`, then one or more ASCII digits;
    /// nil for anything else (spaces, an empty text) and for a value outside `Int64`.
    static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let first = bytes.first else { return nil }
        let negative = first == UInt8(ascii: "-")
        var index = negative || first == UInt8(ascii: "+") ? 1 : 0
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            // Negative values are built downwards, so Int64.min, one larger in magnitude than Int64.max, fits.
            let (next, overflowAdd) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit)) : shifted.addingReportingOverflow(Int64(digit))
            guard !overflowShift && !overflowAdd else { return nil }
            value = next
            index += 1
        }
        return value
    }
}
