import NIOCore
import NIOHTTP1
import NIOPosix
import PartmandConfig

/// A one-shot HTTP GET of a running daemon's `/healthz` (for `partmand healthz`, the container's
/// HEALTHCHECK and monitoring plugins): SwiftNIO's HTTP/1 client codec over TCP or a Unix socket.
public enum HealthProbe {
    /// The answer: the status code and the body.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: String
    }

    /// Why there is no answer.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// GETs `path` from `address`; gives up after `timeout` without connecting or without an answer.
    public static func get(_ path: String = "/healthz", from address: ListenAddress, timeout: TimeAmount = .seconds(5))
        throws -> Answer
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let promise = group.next().makePromise(of: Answer.self)
        let bootstrap = ClientBootstrap(group: group).connectTimeout(timeout).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: timeout))
                try channel.pipeline.syncOperations.addHandler(ProbeHandler(promise: promise))
            }
        }
        let channel: any Channel
        let host: String
        do {
            switch address {
            case .tcp(let name, let port):
                host = name.contains(":") ? "[\(name)]:\(port)" : "\(name):\(port)"
                channel = try bootstrap.connect(host: name, port: port).wait()
            case .unix(let path):
                host = "localhost"
                channel = try bootstrap.connect(unixDomainSocketPath: path).wait()
            }
        } catch {
            promise.fail(error)
            throw Failure(description: "cannot connect to \(address): \(error)")
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { try? channel.close().wait() }
        do {
            return try promise.futureResult.wait()
        } catch {
            throw Failure(description: "no answer from \(address)\(path): \(error)")
        }
    }
}

/// Collects one response; fails the promise when the connection ends or idles first.
private final class ProbeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HealthProbe.Answer>
    private var status: Int?
    private var body: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<HealthProbe.Answer>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body(var buffer):
            // A health answer is small; anything beyond 64 KiB is not one.
            if body.count < 65536, let bytes = buffer.readBytes(length: buffer.readableBytes) { body += bytes }
        case .end:
            finish(.success(HealthProbe.Answer(status: status ?? 0, body: String(decoding: body, as: UTF8.self))))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(HealthProbe.Failure(description: "connection closed before the answer")))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            finish(.failure(HealthProbe.Failure(description: "timed out")))
            context.close(promise: nil)
        }
    }

    private func finish(_ result: Result<HealthProbe.Answer, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}
