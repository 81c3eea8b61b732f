import Foundation
import Logging

/// A log handler that keeps every entry in memory, for assertions.
public struct RecordingLogHandler: LogHandler {
    /// One recorded log call.
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: Logger.Metadata
    }

    /// The shared, thread-safe store of entries.
    public final class Store: Sendable {
        private let storage = LockedBox<[Entry]>([])

        public init() {}

        public var entries: [Entry] { storage.value }

        func append(_ entry: Entry) {
            storage.mutate { $0.append(entry) }
        }
    }

    let store: Store
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(store: Store) {
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        store.append(
            Entry(
                level: event.level,
                message: event.message.description,
                metadata: metadata.merging(event.metadata ?? [:]) { _, new in new }
            )
        )
    }

    /// A logger writing into a new store.
    public static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "partmand.tests.recording") { _ in RecordingLogHandler(store: store) }, store)
    }
}
