import Foundation
import PartmandSystemd
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("JournalStream")
struct JournalStreamTests {
    /// stderr's identity as systemd would write it into JOURNAL_STREAM.
    private func stderrIdentity() throws -> (device: UInt64, inode: UInt64) {
        var status = stat()
        try #require(fstat(STDERR_FILENO, &status) == 0)
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }

    @Test("JOURNAL_STREAM naming stderr's dev:ino means stderr is the journal")
    func matching() throws {
        let (device, inode) = try stderrIdentity()
        #expect(JournalStream.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(device):\(inode)"]))
    }

    @Test("another device or inode does not match")
    func notMatching() throws {
        let (device, inode) = try stderrIdentity()
        #expect(!JournalStream.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(device):\(inode &+ 1)"]))
        #expect(!JournalStream.stderrIsJournal(environment: ["JOURNAL_STREAM": "\(device &+ 1):\(inode)"]))
        #expect(!JournalStream.stderrIsJournal(environment: [:]))
    }

    @Test(
        "malformed values are not the journal",
        arguments: [
            "", ":", "abc", "12", "12:", ":34", "1:2:3", " DEV:INO", "DEV:INO ", "+DEV:INO", "DEV:-INO", "DEV;INO",
            "0xDEV:INO", "DEV:INO\n",
        ]
    )
    func malformed(template: String) throws {
        let (device, inode) = try stderrIdentity()
        let value = template.replacingOccurrences(of: "DEV", with: "\(device)").replacingOccurrences(
            of: "INO", with: "\(inode)")
        #expect(!JournalStream.stderrIsJournal(environment: ["JOURNAL_STREAM": value]))
    }
}
