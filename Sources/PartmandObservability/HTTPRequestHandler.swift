import NIOCore
import NIOHTTP1

/// Serves one connection's requests (after NIO's HTTP/1 decoder, one request at a time): checks the
/// head and body against `HTTPLimits`, answers through `HTTPRouter`, closes idle connections and those
/// that broke a limit or the protocol.
final class HTTPRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: HTTPRouter
    private let limits: HTTPLimits
    /// The request being read; nil between requests and once it was refused.
    private var request: (head: HTTPRequestHead, bodyBytes: Int)?
    /// A refused request's remaining parts are ignored until the connection closes.
    private var refused = false

    init(router: HTTPRouter, limits: HTTPLimits) {
        self.router = router
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            let headBytes =
                head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
            guard headBytes <= limits.maxHeadBytes else {
                return refuse(context, .requestHeaderFieldsTooLarge, "request head too large\n")
            }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                return refuse(context, .payloadTooLarge, "request body too large\n")
            }
            request = (head, 0)
        case .body(let buffer):
            request?.bodyBytes += buffer.readableBytes
            if let request, request.bodyBytes > limits.maxBodyBytes {
                refuse(context, .payloadTooLarge, "request body too large\n")
            }
        case .end:
            guard let (head, _) = request else { return }
            request = nil
            let response = router.respond(method: head.method, uri: head.uri)
            write(response, to: context, head: head, close: !head.isKeepAlive)
        }
    }

    /// Answers `status` and closes the connection.
    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ text: String) {
        refused = true
        request = nil
        write(.text(status, text), to: context, head: nil, close: true)
    }

    private func write(_ response: HTTPResponse, to context: ChannelHandlerContext, head: HTTPRequestHead?, close: Bool)
    {
        var headers = HTTPHeaders([
            ("Content-Type", response.contentType), ("Content-Length", "\(response.body.count)"),
            ("Cache-Control", "no-store"),
        ])
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        if close { headers.add(name: "Connection", value: "close") }
        let version = head?.version ?? .http1_1
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))),
            promise: nil)
        if head?.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))),
                promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// A malformed request: 431 for a head over the decoder's limits, 400 otherwise; then closed.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, !refused {
            refuse(
                context, parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest, "bad request\n")
        } else {
            context.close(promise: nil)
        }
    }

    /// Idle connections (nothing read, or a response not taken, for the limit's time) are closed.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
