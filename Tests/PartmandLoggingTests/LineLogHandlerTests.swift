import Foundation
import Logging
import Testing

@testable import PartmandLogging

#if canImport(Glibc)
    import Glibc
#endif

/// The two line formats, read back by independent parsers (Foundation's JSON parser for `json`), and
/// the sink writing whole lines to a descriptor.
@Suite("LineLogHandler")
struct LineLogHandlerTests {
    @Test("json: one object per line, keys sorted, every string escaped so a JSON parser reads it back")
    func json() throws {
        let message = "quote \" backslash \\ slash / newline \n tab \t bell \u{07} nul \u{00} é 日本 🐘"
        let line = LineLogHandler.json(
            time: "2026-12-03T12:00:00.000Z", level: .warning, message: message,
            fields: ["table": "public.\"odd\"", "sqlstate": "55P03", "detail": "two\nlines\r\n"])
        #expect(!line.contains("\n"))
        #expect(line.hasPrefix("{\"detail\":"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "time": "2026-12-03T12:00:00.000Z", "level": "warning", "msg": message, "table": "public.\"odd\"",
                "sqlstate": "55P03", "detail": "two\nlines\r\n",
            ])
        #expect(Array(object.keys).sorted() == ["detail", "level", "msg", "sqlstate", "table", "time"])
        #expect(line.contains("\\u0007") && line.contains("\\u0000") && line.contains("/"))
    }

    @Test("logfmt: bare values when safe, otherwise quoted with JSON's escapes (no raw control character)")
    func logfmt() {
        let line = LineLogHandler.logfmt(
            time: "2026-12-03T12:00:00.000Z", level: .info, message: "pass done",
            fields: ["tables": "3", "error": "a \"b\"\nc", "raw": "x\r\u{07}"])
        #expect(
            line
                == "time=2026-12-03T12:00:00.000Z level=info msg=\"pass done\" error=\"a \\\"b\\\"\\nc\" "
                + "raw=\"x\\r\\u0007\" tables=3")
    }

    @Test("the sink writes each line whole to its descriptor")
    func sinkWritesWholeLines() throws {
        var descriptors: [Int32] = [0, 0]
        try #require(pipe(&descriptors) == 0)
        defer { close(descriptors[0]) }
        let sink = LineSink(descriptor: descriptors[1])
        let long = String(repeating: "x", count: 30_000)
        sink.write("first\n")
        sink.write(long + "\n")
        close(descriptors[1])
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptors[0], &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        #expect(String(decoding: received, as: UTF8.self) == "first\n" + long + "\n")
    }
}
