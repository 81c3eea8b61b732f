import Foundation
import PartmandPostgres
import Testing

@Suite("connecting")
struct ConnectTests {
    @Test func sessionIsReadyAndDescribed() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        #expect(connection.isOpen)
        #expect(connection.serverVersionNumber >= 150_000)
        #expect(connection.backendPID > 0)
        let row = try connection.query(
            "SELECT pg_backend_pid() AS pid, current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds",
            purpose: "session settings"
        ).rows[0]
        #expect(try row.int("pid") == Int(connection.backendPID))
        #expect(row["tz"] == "UTC")
        #expect(row["ds"] == "ISO, YMD")
    }

    @Test func sessionEndsSoonAfterItsClientDies() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let row = try connection.query(
            """
            SELECT current_setting('client_connection_check_interval') AS check_interval,
                   current_setting('tcp_keepalives_idle') AS idle
            """, purpose: "dead-client settings"
        ).rows[0]
        #expect(row["check_interval"] == "2s")
        // Over a Unix-domain socket the server reports 0 for keepalives; over TCP, the value set.
        #expect(row["idle"] == "0" || row["idle"] == "30")
    }

    private func applicationName(_ options: ConnectionOptions) throws -> String? {
        let connection = try PostgresConnection.connect(options, logger: TestDatabase.logger)
        defer { connection.close() }
        return try connection.query("SELECT current_setting('application_name') AS name", purpose: "application name")
            .rows[0]["name"]
    }

    @Test func applicationNameDefaultsToPartmand() throws {
        #expect(try applicationName(TestDatabase.options()) == "partmand")
        #expect(try applicationName(TestDatabase.options(applicationName: "partmand-test")) == "partmand-test")
    }

    @Test func userApplicationNameWins() throws {
        let base = try TestDatabase.conninfo()
        #expect(try applicationName(ConnectionOptions(conninfo: base + " application_name=custom")) == "custom")
        let url = try TestServerForms.url(query: "application_name=from%20url")
        #expect(try applicationName(ConnectionOptions(conninfo: url)) == "from url")
    }

    @Test func urlAndKeywordForms() throws {
        for conninfo in [try TestServerForms.url(), try TestServerForms.keywords()] {
            let connection = try PostgresConnection.connect(
                ConnectionOptions(conninfo: conninfo), logger: TestDatabase.logger)
            defer { connection.close() }
            #expect(try connection.query("SELECT 1 AS one", purpose: "probe").rows[0].int("one") == 1, "\(conninfo)")
        }
    }

    @Test(
        "connect_timeout is honoured against a server that never answers",
        arguments: [
            (nil, "connect_timeout=2"),
            (2, ""),
        ] as [(Int?, String)]
    )
    func connectTimeout(optionTimeout: Int?, conninfoTimeout: String) throws {
        let listener = try SilentListener()
        let options = ConnectionOptions(
            conninfo: "host=127.0.0.1 port=\(listener.port) user=x dbname=x sslmode=disable \(conninfoTimeout)",
            connectTimeout: optionTimeout
        )
        let started = ContinuousClock.now
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(options, logger: TestDatabase.logger)
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(error.kind == .connectionFailed)
        #expect(error.isConnectionProblem)
        #expect(error.message.contains("timeout"), "\(error)")
    }

    @Test func refusedConnectionDoesNotRevealThePassword() throws {
        let port = try PortProbe.closedPort()
        for conninfo in [
            "host=127.0.0.1 port=\(port) user=app password=Sup3rS3cret dbname=x",
            "postgresql://app:Sup3rS3cret@127.0.0.1:\(port)/x",
            "postgresql://app@127.0.0.1:\(port)/x?password=Sup3rS3cret",
        ] {
            let error = try #require(throws: PostgresError.self) {
                try PostgresConnection.connect(ConnectionOptions(conninfo: conninfo), logger: TestDatabase.logger)
            }
            #expect(error.kind == .connectionFailed)
            #expect(error.message.contains("Connection refused"), "\(error)")
            #expect(error.description.contains("connect to "))
            #expect(error.description.contains("***"))
            #expect(!error.description.contains("Sup3rS3cret"), "\(error)")
        }
    }

    @Test func rejectedLoginDoesNotRevealThePassword() throws {
        let options = ConnectionOptions(
            conninfo: try TestDatabase.conninfo() + " user=pmt_no_such_role password=Sup3rS3cret")
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(options, logger: TestDatabase.logger)
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.message.contains("pmt_no_such_role"), "\(error)")
        #expect(!error.description.contains("Sup3rS3cret"), "\(error)")
    }

    @Test func invalidConninfoFailsCleanly() throws {
        let error = try #require(throws: PostgresError.self) {
            try PostgresConnection.connect(
                ConnectionOptions(conninfo: "host=x password=my secret"), logger: TestDatabase.logger)
        }
        #expect(error.kind == .connectionFailed)
        #expect(!error.description.contains("my secret") && !error.description.contains("\"secret\""), "\(error)")
    }
}

/// The test server's address in other forms, read from the server itself.
enum TestServerForms {
    private static func facts() throws -> (user: String, database: String, host: String, port: String) {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let row = try connection.query(
            """
            SELECT current_user AS user, current_database() AS db, current_setting('port') AS port,
                   coalesce(host(inet_server_addr()),
                            trim(split_part(current_setting('unix_socket_directories'), ',', 1))) AS host
            """,
            purpose: "describe test server"
        ).rows[0]
        return (try row.string("user"), try row.string("db"), try row.string("host"), try row.string("port"))
    }

    /// `postgresql://user@/db?host=…&port=…` plus `query`.
    static func url(query: String? = nil) throws -> String {
        let facts = try facts()
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        return
            "postgresql://\(encode(facts.user))@/\(encode(facts.database))?host=\(encode(facts.host))&port=\(facts.port)"
            + (query.map { "&\($0)" } ?? "")
    }

    /// `host='…' port=… user='…' dbname='…'`.
    static func keywords() throws -> String {
        let facts = try facts()
        let quote = { (text: String) in "'" + text.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'" }
        return "host=\(quote(facts.host)) port=\(facts.port) user=\(quote(facts.user)) dbname=\(quote(facts.database))"
    }
}
