import Foundation
import Logging

/// A log handler that keeps every entry in memory, for assertions.
struct RecordingLogHandler: LogHandler {
    /// One recorded log call.
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    /// The shared, thread-safe store of entries.
    final class Store: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Entry] = []

        var entries: [Entry] {
            lock.lock()
            defer { lock.unlock() }
            return storage
        }

        func append(_ entry: Entry) {
            lock.lock()
            defer { lock.unlock() }
            storage.append(entry)
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append(
            Entry(
                level: event.level,
                message: event.message.description,
                metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }
            )
        )
    }

    /// A logger writing into a new store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "partmand.tests.recording") { _ in RecordingLogHandler(store: store) }, store)
    }
}
