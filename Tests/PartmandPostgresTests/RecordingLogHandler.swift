import Foundation
import Logging
import PartmandTestSupport

/// A log handler that keeps every entry in memory, for assertions.
struct RecordingLogHandler: LogHandler {
    /// One recorded log call.
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: Logger.Metadata
    }

    /// The shared, thread-safe store of entries.
    final class Store: Sendable {
        private let storage = LockedBox<[Entry]>([])

        var entries: [Entry] { storage.value }

        func append(_ entry: Entry) {
            storage.mutate { $0.append(entry) }
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
