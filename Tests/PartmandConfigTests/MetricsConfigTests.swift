import PartmandConfig
import Testing

@Suite("metrics.listen")
struct MetricsConfigTests {
    @Test("off unless set; null and an empty section are off too")
    func offByDefault() throws {
        #expect(try parse(minimalYAML).metrics.listen == nil)
        #expect(try parse(minimalYAML + "metrics:\n").metrics.listen == nil)
        #expect(try parse(minimalYAML + "metrics:\n  listen: null\n").metrics.listen == nil)
    }

    @Test(
        "host:port, [IPv6]:port and a Unix socket path",
        arguments: [
            ("127.0.0.1:9187", ListenAddress.tcp(host: "127.0.0.1", port: 9187)),
            ("localhost:9187", .tcp(host: "localhost", port: 9187)),
            ("0.0.0.0:1", .tcp(host: "0.0.0.0", port: 1)),
            ("\"[::1]:9187\"", .tcp(host: "::1", port: 9187)),
            ("\"[fe80::1%lo]:65535\"", .tcp(host: "fe80::1%lo", port: 65535)),
            ("/run/partmand/metrics.sock", .unix(path: "/run/partmand/metrics.sock")),
        ])
    func addresses(text: String, expected: ListenAddress) throws {
        let config = try parse(minimalYAML + "metrics:\n  listen: \(text)\n")
        #expect(config.metrics.listen == expected)
    }

    @Test("an address renders as written", arguments: ["127.0.0.1:9187", "[::1]:9187", "/tmp/m.sock"])
    func description(text: String) throws {
        let address = try ListenAddress.parse(text).get()
        #expect(address.description == text)
    }

    @Test(
        "bad addresses are refused with a reason",
        arguments: ["", ":9187", "host:", "host:65536", "host:x", "[::1]", "[::1]9187", "[127.0.0.1]:80", "a b:80"])
    func refused(text: String) {
        #expect(throws: ListenAddressError.self) { try ListenAddress.parse(text).get() }
    }
}
