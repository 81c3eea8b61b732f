import CMemfd
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL), spoken without libsystemd.
///
/// One entry is one datagram to `/run/systemd/journal/socket`: `NAME=value\n` per field, or, for a value
/// holding a newline, `NAME\n`, the value's length as a little-endian 64-bit number, the value and `\n`.
/// An entry too large for a datagram goes, as libsystemd sends it, in a sealed memfd passed with
/// SCM_RIGHTS alongside an empty datagram.
enum NativeJournal {
    /// journald's socket; a service with `LogNamespace=` finds its namespace's socket bind-mounted here.
    static let socketPath = "/run/systemd/journal/socket"

    /// The send buffer asked for (libsystemd's size); the kernel caps it at `net.core.wmem_max`.
    private static let sendBufferBytes: Int32 = 8 * 1024 * 1024

    /// The socket entries are sent from; -1 until the first entry opens it.
    private static let sharedSocket = Mutex<Int32>(-1)

    /// Sends `NAME=value` assignments as one entry; returns 0 or a negative errno. Values may hold
    /// newlines or any bytes. No journald listening counts as success (the entry is dropped), as in
    /// libsystemd's `sd_journal_sendv`; install the journal handler only when the journal is there.
    @discardableResult
    static func send(_ fields: [String]) -> Int32 {
        guard let payload = encode(fields), let address = UnixDatagram.Address(socketPath) else { return -EINVAL }
        let descriptor = openedSocket()
        guard descriptor >= 0 else { return descriptor }
        let result = payload.withUnsafeBytes { UnixDatagram.send($0, on: descriptor, to: address) }
        switch -result {
        case 0, ENOENT: return 0
        case EMSGSIZE, ENOBUFS, EAGAIN: return sendInMemfd(payload, on: descriptor, to: address)
        default: return result
        }
    }

    /// The shared socket, opened (with a large send buffer) on first use; `-errno` when it cannot be.
    /// It is never closed, so callers send on it without holding the lock.
    private static func openedSocket() -> Int32 {
        sharedSocket.withLock { descriptor in
            if descriptor < 0 {
                let opened = UnixDatagram.openSocket()
                guard opened >= 0 else { return opened }
                var size = sendBufferBytes
                _ = setsockopt(opened, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                descriptor = opened
            }
            return descriptor
        }
    }

    /// The datagram of one entry, or `nil` when there is no field or a field has no `=` or an empty name.
    static func encode(_ fields: [String]) -> [UInt8]? {
        guard !fields.isEmpty else { return nil }
        var payload: [UInt8] = []
        for field in fields {
            let bytes = Array(field.utf8)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals > 0 else { return nil }
            let value = bytes[(equals + 1)...]
            if value.contains(UInt8(ascii: "\n")) {
                payload.append(contentsOf: bytes[..<equals])
                payload.append(UInt8(ascii: "\n"))
                withUnsafeBytes(of: UInt64(value.count).littleEndian) { payload.append(contentsOf: $0) }
                payload.append(contentsOf: value)
            } else {
                payload.append(contentsOf: bytes)
            }
            payload.append(UInt8(ascii: "\n"))
        }
        return payload
    }

    /// Writes the entry into a memfd, seals it (journald takes only sealed memfds) and passes it.
    private static func sendInMemfd(_ payload: [UInt8], on descriptor: Int32, to address: UnixDatagram.Address)
        -> Int32
    {
        let memory = memfd_create("partmand-journal-entry", PARTMAND_MFD_CLOEXEC | PARTMAND_MFD_ALLOW_SEALING)
        guard memory >= 0 else { return -errno }
        defer { close(memory) }
        var written = 0
        while written < payload.count {
            let count = payload.withUnsafeBytes { write(memory, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                guard errno == EINTR else { return -errno }
                continue
            }
            written += count
        }
        let seals = PARTMAND_F_SEAL_SEAL | PARTMAND_F_SEAL_SHRINK | PARTMAND_F_SEAL_GROW | PARTMAND_F_SEAL_WRITE
        guard fcntl(memory, PARTMAND_F_ADD_SEALS, seals) == 0 else { return -errno }
        let nothing: [UInt8] = []
        return nothing.withUnsafeBytes { UnixDatagram.send($0, on: descriptor, to: address, passing: memory) }
    }
}
