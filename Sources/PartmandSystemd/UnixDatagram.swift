#if canImport(Glibc)
    import Glibc
#endif

/// AF_UNIX datagrams to systemd's sockets: the notify socket and journald's native socket.
///
/// The two protocols are documented and stable (sd_notify(3), systemd.io/JOURNAL_NATIVE_PROTOCOL), so
/// partmand speaks them itself instead of linking libsystemd and the compression and crypto libraries
/// that come with it.
enum UnixDatagram {
    /// A socket address: a file-system path (`/run/…`, sent with its terminating NUL) or, written with a
    /// leading `@`, a name in the abstract namespace (the `@` becomes a NUL, nothing is appended), the two
    /// forms systemd puts in `NOTIFY_SOCKET`. Anything else, or a name too long for `sun_path`, is `nil`.
    struct Address {
        fileprivate var storage = sockaddr_un()
        fileprivate let length: socklen_t

        init?(_ text: String) {
            var bytes = Array(text.utf8)
            guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else {
                return nil
            }
            let isAbstract = first == UInt8(ascii: "@")
            if isAbstract {
                bytes[0] = 0
            } else {
                guard !bytes.contains(0) else { return nil }
                bytes.append(0)
            }
            guard bytes.count <= MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
            storage.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
            length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        }
    }

    /// A new unbound datagram socket (close-on-exec), or `-errno`.
    static func openSocket() -> Int32 {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        return descriptor >= 0 ? descriptor : -errno
    }

    /// Sends `payload` as one datagram from `descriptor` to `address`, with `passing` as an SCM_RIGHTS
    /// descriptor when given. Retries on EINTR; returns 0 or `-errno`. Never raises SIGPIPE.
    static func send(
        _ payload: UnsafeRawBufferPointer, on descriptor: Int32, to address: Address, passing passed: Int32? = nil
    ) -> Int32 {
        var storage = address.storage
        let length = address.length
        var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count)
        // CMSG_SPACE(sizeof(int)): the header, then the descriptor padded to the header's alignment.
        let headerSize = MemoryLayout<cmsghdr>.stride
        var control = [UInt8](repeating: 0, count: headerSize + MemoryLayout<Int>.size)
        if let passed {
            control.withUnsafeMutableBytes { bytes in
                var header = cmsghdr()
                header.cmsg_len = headerSize + MemoryLayout<Int32>.size
                header.cmsg_level = SOL_SOCKET
                header.cmsg_type = Int32(SCM_RIGHTS)
                bytes.storeBytes(of: header, as: cmsghdr.self)
                bytes.storeBytes(of: passed, toByteOffset: headerSize, as: Int32.self)
            }
        }
        return withUnsafeMutablePointer(to: &storage) { name in
            withUnsafeMutablePointer(to: &vector) { vectorPointer in
                control.withUnsafeMutableBytes { controlBytes in
                    var message = msghdr()
                    message.msg_name = UnsafeMutableRawPointer(name)
                    message.msg_namelen = length
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    if passed != nil {
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                    }
                    while sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL)) < 0 {
                        guard errno == EINTR else { return -errno }
                    }
                    return 0
                }
            }
        }
    }
}
