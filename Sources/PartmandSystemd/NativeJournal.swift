import CSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// The one call into libsystemd's journal client.
enum NativeJournal {
    /// Sends `FIELD=value` assignments as one entry with `sd_journal_sendv`; returns its result
    /// (0 or a negative errno). Values may hold newlines or any bytes: each assignment is one iovec
    /// and libsystemd switches to the binary-safe length-prefixed form where needed.
    @discardableResult
    static func send(_ fields: [String]) -> Int32 {
        guard !fields.isEmpty else { return -EINVAL }
        var storage: [UInt8] = []
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = storage.count
            storage.append(contentsOf: field.utf8)
            ranges.append(start..<storage.count)
        }
        return storage.withUnsafeMutableBytes { bytes in
            guard let base = bytes.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
