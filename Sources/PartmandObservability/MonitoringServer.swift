import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PartmandConfig
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP server of `/metrics` and `/healthz` (SwiftNIO, HTTP/1.1), on one event-loop thread of its
/// own so that no load on it reaches the scheduler or the watchdog. Bounded by `HTTPLimits`.
///
/// `listen(on:)` binds, rebinds when the address changed, or stops serving (nil); `stop()` ends it all.
/// Called from the daemon's scheduler queue, never from the event loop.
public final class MonitoringServer: Sendable {
    private struct Listening: Sendable {
        var address: ListenAddress
        var channel: any Channel
    }

    private let router: HTTPRouter
    private let limits: HTTPLimits
    private let logger: Logger
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let listening = Mutex<Listening?>(nil)
    /// Connections open now.
    private let connections = ConnectionCount()

    public init(observatory: Observatory, limits: HTTPLimits = HTTPLimits(), logger: Logger) {
        router = HTTPRouter(observatory: observatory)
        self.limits = limits
        self.logger = logger
    }

    /// Where the server listens now (a TCP port 0 resolved to the port the system chose).
    public var boundAddress: SocketAddress? {
        listening.withLock { $0?.channel.localAddress }
    }

    /// The configured address it listens on, if any.
    public var address: ListenAddress? {
        listening.withLock { $0?.address }
    }

    /// Serves on `address` (nothing when nil). The same address as now changes nothing; a new one is
    /// bound before the old one is closed, or, when the new one needs the old one's port, just after.
    /// Throws when the new address cannot be bound; the server then still listens on the old address
    /// when it could keep or get it back, else on none.
    public func listen(on address: ListenAddress?) throws {
        let current = listening.withLock { $0 }
        guard current?.address != address else { return }
        guard let address else {
            if let current { close(current) }
            listening.withLock { $0 = nil }
            return
        }
        do {
            let channel = try bind(address)
            if let current { close(current) }
            listening.withLock { $0 = Listening(address: address, channel: channel) }
        } catch {
            guard let current, let ioError = error as? IOError, ioError.errnoCode == EADDRINUSE else { throw error }
            // The new address may overlap the old one (the same port on another host): free it, try again.
            close(current)
            listening.withLock { $0 = nil }
            if let channel = try? bind(address) {
                listening.withLock { $0 = Listening(address: address, channel: channel) }
                return
            }
            if let channel = try? bind(current.address) {
                listening.withLock { $0 = Listening(address: current.address, channel: channel) }
            }
            throw error
        }
    }

    /// Closes the listening socket and every connection, and ends the event loop.
    public func stop() {
        if let current = listening.withLock({ $0 }) { close(current) }
        listening.withLock { $0 = nil }
        try? group.syncShutdownGracefully()
    }

    // MARK: - Sockets

    private func bind(_ address: ListenAddress) throws -> any Channel {
        let router = self.router
        let limits = self.limits
        let connections = self.connections
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 32)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { channel in
                guard connections.admit(max: limits.maxConnections) else { return channel.close() }
                channel.closeFuture.whenComplete { _ in connections.release() }
                do {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(
                        IdleStateHandler(readTimeout: limits.readTimeout, writeTimeout: limits.writeTimeout))
                    var decoderLimits = NIOHTTPDecoderLimitConfiguration()
                    decoderLimits.maxHeaderFieldSize = limits.maxHeadBytes
                    decoderLimits.maxHeaderListSize = limits.maxHeadBytes
                    decoderLimits.maxHeaderFieldCount = 100
                    try pipeline.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
                        withDecoderLimitConfiguration: decoderLimits)
                    try pipeline.addHandler(HTTPRequestHandler(router: router, limits: limits))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        switch address {
        case .tcp(let host, let port):
            bootstrap = bootstrap.serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            return try bootstrap.bind(host: host, port: port).wait()
        case .unix(let path):
            return try bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
        }
    }

    private func close(_ listening: Listening) {
        try? listening.channel.close().wait()
        if case .unix(let path) = listening.address { unlink(path) }
    }
}

/// The server's open connections, counted to bound them.
final class ConnectionCount: Sendable {
    private let count = Mutex(0)

    /// Counts one more connection, unless `max` are open already.
    func admit(max: Int) -> Bool {
        count.withLock { count in
            guard count < max else { return false }
            count += 1
            return true
        }
    }

    func release() { count.withLock { $0 -= 1 } }
}
