import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP listener on 127.0.0.1 that never accepts: the kernel completes the handshake,
/// then nothing ever answers, like a hung server.
final class SilentListener {
    let port: UInt16
    private let descriptor: Int32

    init() throws {
        descriptor = try PortProbe.boundSocket(port: 0)
        guard listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        port = PortProbe.localPort(of: descriptor)
    }

    deinit {
        close(descriptor)
    }
}

/// Helpers for local TCP ports.
enum PortProbe {
    /// A port on 127.0.0.1 with nothing listening (bound, then released).
    static func closedPort() throws -> UInt16 {
        let descriptor = try boundSocket(port: 0)
        defer { close(descriptor) }
        return localPort(of: descriptor)
    }

    /// Whether `port` on 127.0.0.1 can be bound right now.
    static func isFree(_ port: UInt16) -> Bool {
        guard let descriptor = try? boundSocket(port: port) else { return false }
        close(descriptor)
        return true
    }

    static func boundSocket(port: UInt16) throws -> Int32 {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = POSIXError(.init(rawValue: errno) ?? .EIO)
            close(descriptor)
            throw error
        }
        return descriptor
    }

    static func localPort(of descriptor: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }
}
