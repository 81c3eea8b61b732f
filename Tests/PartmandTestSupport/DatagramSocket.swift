import PartmandTime

#if canImport(Glibc)
    import Glibc
#endif

/// A bound AF_UNIX datagram socket that tests read messages from (a fake NOTIFY_SOCKET or a fake
/// journald native socket).
///
/// Cleanup is explicit (``close()``), never in `deinit`: a socket bound inside a private mount
/// namespace must be unlinked from the thread that lives in that namespace, and `deinit` could run
/// anywhere — in the host namespace it would unlink the host's path of the same name.
public final class DatagramSocket: Sendable {
    /// One received datagram and, with credential passing on, the sender's pid.
    public struct Datagram: Sendable {
        public let bytes: [UInt8]
        public let senderPID: pid_t?
    }

    public let path: String
    private let descriptor: Int32

    /// Binds a datagram socket at `path` (which must not exist), or, for `@name`, at `name` in the
    /// abstract namespace (the form systemd uses in NOTIFY_SOCKET). With `passCredentials` the kernel
    /// attaches every sender's pid, so tests can ignore datagrams from other processes.
    public init(bindingTo path: String, passCredentials: Bool = false) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(path.utf8)
        let isAbstract = pathBytes.first == UInt8(ascii: "@")
        if isAbstract { pathBytes[0] = 0 }
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemCallError("socket path too long: \(path)", code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        // An abstract name is exactly its bytes (no terminating NUL), so the length must say where it ends.
        let addressLength =
            isAbstract
            ? socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
            : socklen_t(MemoryLayout<sockaddr_un>.size)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SystemCallError("socket") }
        if passCredentials {
            var on: Int32 = 1
            guard setsockopt(descriptor, SOL_SOCKET, SO_PASSCRED, &on, socklen_t(MemoryLayout<Int32>.size)) == 0
            else {
                let error = SystemCallError("setsockopt(SO_PASSCRED)")
                Glibc.close(descriptor)
                throw error
            }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, addressLength)
            }
        }
        guard bound == 0 else {
            let error = SystemCallError("bind(\(path))")
            Glibc.close(descriptor)
            throw error
        }
        self.path = path
        self.descriptor = descriptor
    }

    /// A socket at a fresh short path under /tmp (sun_path holds only 108 bytes).
    public static func temporary(passCredentials: Bool = false) throws -> DatagramSocket {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return try DatagramSocket(
            bindingTo: "/tmp/partmand-test-\(getpid())-\(suffix).sock", passCredentials: passCredentials)
    }

    /// Waits up to `timeout` for one datagram; `nil` when none arrived.
    public func receive(timeout: Duration = .seconds(5)) throws -> Datagram? {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: timeout.milliseconds)
        var ready: Int32
        repeat { ready = poll(&poller, 1, max(0, milliseconds)) } while ready < 0 && errno == EINTR
        guard ready >= 0 else { throw SystemCallError("poll") }
        guard ready > 0 else { return nil }

        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        var control = [UInt8](repeating: 0, count: 256)
        let (count, pid): (Int, pid_t?) = buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    let count = recvmsg(descriptor, &message, Int32(MSG_CMSG_CLOEXEC))
                    guard count >= 0 else { return (count, nil) }
                    let used = UnsafeRawBufferPointer(rebasing: controlBytes[..<Int(message.msg_controllen)])
                    return (count, Self.senderPID(inControl: used))
                }
            }
        }
        guard count >= 0 else { throw SystemCallError("recvmsg") }
        return Datagram(bytes: Array(buffer[..<count]), senderPID: pid)
    }

    /// The next datagram sent by this very process, skipping any other sender; `nil` on timeout.
    /// Needs `passCredentials`.
    public func receiveFromThisProcess(timeout: Duration = .seconds(5)) throws -> [UInt8]? {
        while let datagram = try receive(timeout: timeout) {
            if datagram.senderPID == getpid() { return datagram.bytes }
        }
        return nil
    }

    /// A socket at a fresh name in the abstract namespace (`@…`), which has no file to clean up.
    public static func temporaryAbstract(passCredentials: Bool = false) throws -> DatagramSocket {
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return try DatagramSocket(bindingTo: "@partmand-test-\(getpid())-\(suffix)", passCredentials: passCredentials)
    }

    /// Closes the socket and removes its path. Call from the thread (mount namespace) that bound it.
    public func close() {
        Glibc.close(descriptor)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// Walks the control messages by hand (CMSG_* are macros Swift cannot import) and returns the
    /// pid of an SCM_CREDENTIALS message (`struct ucred { pid_t pid; uid_t uid; gid_t gid; }`).
    private static func senderPID(inControl control: UnsafeRawBufferPointer) -> pid_t? {
        let scmCredentials: Int32 = 2  // SCM_CREDENTIALS, hidden behind _GNU_SOURCE
        let alignment = MemoryLayout<Int>.size
        func aligned(_ length: Int) -> Int { (length + alignment - 1) & ~(alignment - 1) }
        let headerSize = aligned(MemoryLayout<cmsghdr>.size)
        var offset = 0
        while offset + headerSize <= control.count {
            let header = control.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
            let length = Int(header.cmsg_len)
            guard length >= headerSize, offset + length <= control.count else { return nil }
            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == scmCredentials,
                length >= headerSize + MemoryLayout<pid_t>.size
            {
                return control.loadUnaligned(fromByteOffset: offset + headerSize, as: pid_t.self)
            }
            offset += aligned(length)
        }
        return nil
    }
}
