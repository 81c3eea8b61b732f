import Testing

@testable import PartmandPostgres

@Suite struct DecimalTextTests {
    private func read(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBufferPointer(DecimalText.int64)
    }

    @Test func readsWhatInt64Reads() {
        for text in [
            "0", "7", "42", "-42", "+42", "007", "-0", "9223372036854775807", "-9223372036854775808",
            "9223372036854775808", "-9223372036854775809", "99999999999999999999", "", "-", "+", " 1", "1 ", "1.5",
            "1e3", "--1", "+-1", "0x10", "١", "12a", "a12",
        ] {
            #expect(read(text) == Int64(text), "\(text)")
        }
    }

    @Test func bounds() {
        #expect(read("9223372036854775807") == .max)
        #expect(read("-9223372036854775808") == .min)
        #expect(read("9223372036854775808") == nil)
        #expect(read("-9223372036854775809") == nil)
        #expect(read("") == nil)
        #expect(read("-") == nil)
    }
}
