import NIOHTTP1

/// One answer of the monitoring server.
struct HTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    static func text(_ status: HTTPResponseStatus, _ text: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(
            status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8), extraHeaders: headers)
    }
}

/// Routes a request: `GET`/`HEAD` of `/metrics` and `/healthz`; 405 for another method on them, 404
/// for any other path. A query string is ignored.
struct HTTPRouter: Sendable {
    let observatory: Observatory

    func respond(method: HTTPMethod, uri: String) -> HTTPResponse {
        let path =
            uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        guard path == "/metrics" || path == "/healthz" else { return .text(.notFound, "not found\n") }
        guard method == .GET || method == .HEAD else {
            return .text(.methodNotAllowed, "only GET and HEAD\n", headers: [("Allow", "GET, HEAD")])
        }
        if path == "/metrics" {
            return HTTPResponse(
                status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: observatory.exposition())
        }
        let verdict = observatory.health()
        return HTTPResponse(
            status: verdict.httpStatus == 200 ? .ok : .serviceUnavailable, contentType: "application/json",
            body: Array(verdict.json.utf8))
    }
}
