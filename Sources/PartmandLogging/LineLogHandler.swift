import Foundation
import Logging
import PartmandTime
import Synchronization

/// A swift-log handler writing one line per event in `format` to a file handle (stderr by default).
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
        let time = WallClockText.iso8601UTC(
            millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
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
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// logfmt quoting: bare when safe, otherwise double-quoted with escapes.
    private static func quoted(_ value: String) -> String {
        let safe =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0 != "\"" && $0 != "=" && $0 != "\\" }
        guard !safe else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A thread-safe line writer: whole lines, never interleaved.
public final class LineSink: Sendable {
    private let handle: Mutex<FileHandle>

    public init(_ handle: FileHandle) { self.handle = Mutex(handle) }

    public static let standardError = LineSink(.standardError)

    public func write(_ text: String) {
        handle.withLock { $0.write(Data(text.utf8)) }
    }
}
