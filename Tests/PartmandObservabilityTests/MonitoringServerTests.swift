import Foundation
import Logging
import NIOCore
import PartmandConfig
import PartmandTestSupport
import Synchronization
import Testing

@testable import PartmandObservability

/// The HTTP server in this process, on a port the system picks, with raw sockets as clients.
@Suite("The /metrics and /healthz server", .serialized)
struct MonitoringServerTests {
    /// A server over an observatory that saw one pass; `limits` as given.
    static func serve(limits: HTTPLimits = HTTPLimits()) throws -> (MonitoringServer, Int, Observatory) {
        let beat = Mutex(Duration.zero)
        let observatory = Observatory(
            startedAt: Reports.now, heartbeatAge: { beat.withLock { $0 } }, now: { Reports.now.addingTimeInterval(60) })
        observatory.passFinished(
            Reports.pass([Reports.ok("events", created: 2)]), tables: [Reports.spec("events")], at: Reports.now)
        let server = MonitoringServer(observatory: observatory, limits: limits, logger: Logger(label: "test"))
        try server.listen(on: .tcp(host: "127.0.0.1", port: 0))
        let port = try #require(server.boundAddress?.port)
        return (server, port, observatory)
    }

    @Test("GET and HEAD of /metrics and /healthz; 405 for POST; 404 elsewhere")
    func routes() throws {
        let (server, port, _) = try Self.serve()
        defer { server.stop() }
        let metrics = try RawHTTP.get("/metrics", port: port)
        #expect(metrics.httpStatus == 200)
        #expect(metrics.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(
            metrics.httpBody.contains(#"partmand_table_actions_total{table="app.events",kind="created"} 2"#),
            "\(metrics)")
        #expect(metrics.httpBody.contains("partmand_build_info{version="))

        let health = try RawHTTP.get("/healthz?verbose=1", port: port)
        #expect(health.httpStatus == 200)
        #expect(health.httpBody.hasPrefix(#"{"failing":[]"#), "\(health)")

        let head = try RawHTTP.get("/healthz", port: port, method: "HEAD")
        #expect(head.httpStatus == 200)
        #expect(head.httpBody.isEmpty)

        let post = try RawHTTP.get("/metrics", port: port, method: "POST")
        #expect(post.httpStatus == 405)
        #expect(post.contains("Allow: GET, HEAD"))
        #expect(try RawHTTP.get("/", port: port).httpStatus == 404)
        #expect(try RawHTTP.get("/metrics/../etc/passwd", port: port).httpStatus == 404)
    }

    @Test("a request head over the limit is answered 431 and the connection closed")
    func oversizedHead() throws {
        let (server, port, _) = try Self.serve()
        defer { server.stop() }
        let connection = try RawHTTP(port: port)
        defer { connection.close() }
        connection.send(
            "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20000))\r\n\r\n")
        let (text, closed) = connection.receiveAll()
        #expect(text.httpStatus == 431, "\(text.prefix(200))")
        #expect(closed)
    }

    @Test("a request body over the limit is answered 413 and the connection closed")
    func oversizedBody() throws {
        let (server, port, _) = try Self.serve()
        defer { server.stop() }
        for declared in [true, false] {
            let connection = try RawHTTP(port: port)
            defer { connection.close() }
            let body = String(repeating: "b", count: 5000)
            connection.send(
                declared
                    ? "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n\(body)"
                    : "GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n\(body)\r\n0\r\n\r\n"
            )
            let (text, closed) = connection.receiveAll()
            #expect(text.httpStatus == 413, "declared \(declared): \(text.prefix(200))")
            #expect(closed)
        }
    }

    @Test("garbage is answered 400 and closed")
    func garbage() throws {
        let (server, port, _) = try Self.serve()
        defer { server.stop() }
        let connection = try RawHTTP(port: port)
        defer { connection.close() }
        connection.send("\u{1}\u{2} nonsense\r\n\r\n")
        let (text, closed) = connection.receiveAll()
        #expect(text.httpStatus == 400, "\(text)")
        #expect(closed)
    }

    @Test("connections beyond the limit are closed at once; the others are served; a freed slot is reused")
    func boundedConnections() throws {
        let (server, port, _) = try Self.serve(limits: HTTPLimits(maxConnections: 3))
        defer { server.stop() }
        let held = try (0..<3).map { _ in try RawHTTP(port: port) }
        // The held ones are admitted before the next one is accepted: each answers a request.
        for connection in held {
            connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        }
        usleep(200_000)
        let extra = try RawHTTP(port: port)
        extra.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let refused = extra.receiveAll(timeout: .seconds(5))
        #expect(refused.closed)
        #expect(refused.text.isEmpty, "\(refused.text)")
        extra.close()
        for connection in held { connection.close() }
        // Once they are gone, a new connection is served again.
        var served = false
        for _ in 0..<50 where !served {
            usleep(100_000)
            served = (try? RawHTTP.get("/healthz", port: port))?.httpStatus == 200
        }
        #expect(served)
    }

    @Test("a connection that sends nothing is closed after the read timeout")
    func idleTimeout() throws {
        let (server, port, _) = try Self.serve(limits: HTTPLimits(readTimeout: .milliseconds(300)))
        defer { server.stop() }
        let connection = try RawHTTP(port: port)
        defer { connection.close() }
        connection.send("GET /metr")
        let (_, closed) = connection.receiveAll(timeout: .seconds(10))
        #expect(closed)
    }

    @Test("rebinding: a new port is served and the old one closed; an unbindable address keeps the old one")
    func rebind() throws {
        let (server, port, _) = try Self.serve()
        defer { server.stop() }
        try server.listen(on: .tcp(host: "127.0.0.1", port: 0))  // same address: nothing happens
        #expect(server.boundAddress?.port == port)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pm-\(UUID().uuidString.prefix(8)).sock"
        ).path
        try server.listen(on: .unix(path: path))
        #expect(throws: RawHTTPError.self) { try RawHTTP(port: port) }
        let connection = try RawHTTP(path: path)
        connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(connection.receiveAll().text.httpStatus == 200)
        connection.close()

        #expect(throws: (any Error).self) { try server.listen(on: .tcp(host: "192.0.2.1", port: 9)) }
        #expect(server.address == .unix(path: path))

        try server.listen(on: nil)
        #expect(server.address == nil)
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed")
    }
}
