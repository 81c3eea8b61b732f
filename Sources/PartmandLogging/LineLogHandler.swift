import Logging
import PartmandTime
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler writing one line per event in `format` to a file descriptor (stderr by default).
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let format: LogFormat
    let output: LineSink

    public init(logLevel: Logger.Level, label: String, format: LogFormat, output: LineSink = .standardError) {
        self.logLevel = logLevel
        self.label = label
        self.format = format
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let time = WallClockText.iso8601UTC(
            millisecondsSince1970: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
        let line: String
        switch format {
        case .logfmt: line = Self.logfmt(time: time, level: event.level, message: "\(event.message)", fields: fields)
        case .json: line = Self.json(time: time, level: event.level, message: "\(event.message)", fields: fields)
        }
        output.write(line + "\n")
    }

    static func logfmt(time: String, level: Logger.Level, message: String, fields: Logger.Metadata) -> String {
        var parts = ["time=\(time)", "level=\(level)", "msg=\(quoted(message))"]
        for key in fields.keys.sorted() { parts.append("\(key)=\(quoted("\(fields[key]!)"))") }
        return parts.joined(separator: " ")
    }

    static func json(time: String, level: Logger.Level, message: String, fields: Logger.Metadata) -> String {
        var object: [String: String] = ["time": time, "level": "\(level)", "msg": message]
        for (key, value) in fields { object[key] = "\(value)" }
        let members = object.keys.sorted().map { "\(jsonString($0)):\(jsonString(object[$0]!))" }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped, the rest as is.
    private static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// logfmt quoting: bare when safe, otherwise a double-quoted string with JSON's escapes.
    private static func quoted(_ value: String) -> String {
        let safe =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" }
        return safe ? value : jsonString(value)
    }
}

/// A thread-safe line writer: whole lines, never interleaved.
public final class LineSink: Sendable {
    private let descriptor: Mutex<Int32>

    /// A sink writing to the open file descriptor `descriptor`, which it does not own.
    public init(descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    public static let standardError = LineSink(descriptor: STDERR_FILENO)

    /// Writes `text` whole (short writes and interrupted calls are resumed); a failing write drops the
    /// rest, as there is nowhere left to report it.
    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        descriptor.withLock { descriptor in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }
}
