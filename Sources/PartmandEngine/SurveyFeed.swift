import Dispatch
import PartmandCore
import PartmandSync

/// A pass's first read of tables maintained one after another (its pg_partman sets), made in chunks
/// that run ahead of their maintenance. `Value` is what the read finds about one table.
///
/// With `readingAhead`, a thread of its own reads the first chunk (16 tables), then chunks four times
/// larger each (up to 1,024), while the tables already read are maintained: the pass waits for the first
/// chunk only, not for a read of every table (about 0.1 s at 500 pg_partman sets). The read runs on a
/// pooled connection of its own, so reading ahead needs a pool of two. Without it, everything is read in
/// one go, on the first request.
///
/// `@unchecked Sendable`: the mutable state below is only touched holding `state`.
final class SurveyFeed<Value: Sendable>: @unchecked Sendable {
    typealias Read = @Sendable ([TableSpec]) -> [QualifiedName: Value]?

    private let chunks: [[TableSpec]]
    private let chunkOf: [QualifiedName: Int]
    private let read: Read
    private let readingAhead: Bool
    /// Guards the state below; signalled whenever a chunk is read or the reader ends.
    private let state = ConditionLock()
    private var chunksRead = 0
    private var stopped = false
    private var readerRunning = false
    private var found: [QualifiedName: Value] = [:]

    /// The first chunk's size; each next chunk is `growth` times larger, up to `largestChunk`.
    static var firstChunk: Int { 16 }
    static var growth: Int { 4 }
    static var largestChunk: Int { 1024 }

    /// A feed of `specs` (in the order they will be asked for), read with `read` (nil: that chunk could
    /// not be read, and its tables get no value).
    init(_ specs: [TableSpec], readingAhead: Bool, read: @escaping Read) {
        var chunks: [[TableSpec]] = []
        var start = 0
        var size = readingAhead ? Self.firstChunk : max(specs.count, 1)
        while start < specs.count {
            chunks.append(Array(specs[start..<min(start + size, specs.count)]))
            start += size
            size = min(size * Self.growth, Self.largestChunk)
        }
        self.chunks = chunks
        var chunkOf: [QualifiedName: Int] = [:]
        for (index, chunk) in chunks.enumerated() {
            for spec in chunk { chunkOf[spec.parent] = index }
        }
        self.chunkOf = chunkOf
        self.read = read
        self.readingAhead = readingAhead
    }

    /// Starts reading ahead, when the feed reads ahead and has sets.
    func start() {
        guard readingAhead, !chunks.isEmpty else { return }
        state.withLock { readerRunning = true }
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            for chunk in chunks {
                guard !state.withLock({ stopped }) else { break }
                let read = read(chunk)
                state.withLock {
                    for (parent, value) in read ?? [:] { found[parent] = value }
                    chunksRead += 1
                    state.broadcast()
                }
            }
            state.withLock {
                readerRunning = false
                state.broadcast()
            }
        }
    }

    /// What the read found about `parent`, once its chunk is read; nil when it is not a table of this
    /// feed, its chunk could not be read, or the feed was stopped before reading it.
    func value(of parent: QualifiedName) -> Value? {
        guard let chunk = chunkOf[parent] else { return nil }
        if !readingAhead {
            readEverythingOnce()
        }
        return state.withLock {
            while chunksRead <= chunk && readerRunning {
                state.wait(for: .seconds(3600))
            }
            return found[parent]
        }
    }

    /// Stops reading ahead and waits until the reader has given its connection back.
    func stop() {
        state.withLock {
            stopped = true
            while readerRunning { state.wait(for: .seconds(3600)) }
        }
    }

    /// Without reading ahead: the one chunk, read on the first request.
    private func readEverythingOnce() {
        state.withLock {
            guard chunksRead == 0, !stopped else { return }
            for (parent, value) in read(chunks[0]) ?? [:] { found[parent] = value }
            chunksRead = 1
        }
    }
}
