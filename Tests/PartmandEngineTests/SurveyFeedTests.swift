import Foundation
import PartmandCore
import Synchronization
import Testing

@testable import PartmandEngine

/// The chunked first read of tables maintained one after another: what is read, in which chunks, and
/// what a request waits for. The read here is a function of the test's (the feed is not about the
/// database).
@Suite struct SurveyFeedTests {
    private func specs(_ count: Int) -> [TableSpec] {
        (1...count).map {
            TableSpec(
                parent: QualifiedName(schema: "s", name: "t\($0)"), column: "at", interval: CalendarInterval(1, .month))
        }
    }

    /// Records the chunks read (their first and last names, and size).
    private final class Reads: Sendable {
        let chunks = Mutex<[[String]]>([])
        var sizes: [Int] { chunks.withLock { $0.map(\.count) } }

        func record(_ specs: [TableSpec]) -> [QualifiedName: String] {
            chunks.withLock { $0.append(specs.map(\.parent.name)) }
            return Dictionary(uniqueKeysWithValues: specs.map { ($0.parent, "read \($0.parent.name)") })
        }
    }

    @Test("reading ahead: chunks of 16, 64, 256, then 1,024 at most, in order; every table's value")
    func chunksInOrder() {
        let tables = specs(2000)
        let reads = Reads()
        let feed = SurveyFeed<String>(tables, readingAhead: true) { reads.record($0) }
        feed.start()
        for spec in tables {
            #expect(feed.value(of: spec.parent) == "read \(spec.parent.name)")
        }
        feed.stop()
        #expect(reads.sizes == [16, 64, 256, 1024, 640])
        #expect(reads.chunks.withLock { $0.flatMap { $0 } } == tables.map(\.parent.name))
        #expect(feed.value(of: QualifiedName(schema: "s", name: "elsewhere")) == nil)
    }

    @Test("without reading ahead: one read of every table, on the first request")
    func oneRead() {
        let tables = specs(40)
        let reads = Reads()
        let feed = SurveyFeed<String>(tables, readingAhead: false) { reads.record($0) }
        feed.start()
        #expect(reads.sizes.isEmpty)
        #expect(feed.value(of: tables[39].parent) == "read t40")
        #expect(feed.value(of: tables[0].parent) == "read t1")
        #expect(reads.sizes == [40])
        feed.stop()
    }

    @Test("a request waits for its table's chunk; a chunk that could not be read leaves its tables without")
    func waitsAndFailures() {
        let tables = specs(100)
        let secondChunk = Mutex(false)
        let feed = SurveyFeed<String>(tables, readingAhead: true) { chunk in
            if chunk.first?.parent.name == "t17" {
                Thread.sleep(forTimeInterval: 0.2)  // slow: a request for t17 must wait for it
                secondChunk.withLock { $0 = true }
                return nil
            }
            return Dictionary(uniqueKeysWithValues: chunk.map { ($0.parent, $0.parent.name) })
        }
        feed.start()
        #expect(feed.value(of: tables[16].parent) == nil)
        #expect(secondChunk.withLock { $0 }, "the request returned before its chunk was read")
        #expect(feed.value(of: tables[0].parent) == "t1")
        #expect(feed.value(of: tables[99].parent) == "t100")
        feed.stop()
    }

    @Test("stop: no chunk is read after it, and the tables not read get no value")
    func stopping() {
        let tables = specs(100)
        let reads = Reads()
        let feed = SurveyFeed<String>(tables, readingAhead: true) { chunk in
            Thread.sleep(forTimeInterval: 0.05)
            return reads.record(chunk)
        }
        feed.start()
        feed.stop()
        let read = reads.sizes.count
        #expect(read <= 1)
        #expect(feed.value(of: tables[99].parent) == nil)
        Thread.sleep(forTimeInterval: 0.2)
        #expect(reads.sizes.count == read)
    }
}
