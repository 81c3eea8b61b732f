import Testing

@testable import PartmandPostgres

/// The keywords handed to libpq. With an empty conninfo no `dbname` is passed, so libpq's own
/// defaults apply (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSFILE, PGSERVICE…). Connecting that
/// way is not tested end to end: it needs those variables set, and setenv inside this process
/// would race with the other tests running in parallel.
@Suite("connect parameters")
struct ConnectParametersTests {
    private func parameters(
        _ options: ConnectionOptions,
        environment: [String: String] = [:]
    ) throws -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: try options.connectParameters(environment: environment).map { ($0.keyword, $0.value) }
        )
    }

    @Test func emptyConninfoLeavesEverythingToLibpq() throws {
        #expect(
            try parameters(ConnectionOptions(deadPeerCheck: nil))
                == ["fallback_application_name": "partmand", "connect_timeout": "10"])
    }

    @Test func keepalivesAreAskedForUnlessTheConninfoSetsThem() throws {
        let defaults = try parameters(ConnectionOptions())
        #expect(defaults["keepalives_idle"] == "30")
        #expect(defaults["keepalives_interval"] == "10")
        #expect(defaults["keepalives_count"] == "3")
        let explicit = try parameters(ConnectionOptions(conninfo: "host=db keepalives_idle=5"))
        #expect(explicit["keepalives_idle"] == nil)
        #expect(explicit["keepalives_interval"] == "10")
    }

    @Test func conninfoIsPassedAsExpandableDatabaseName() throws {
        let options = ConnectionOptions(
            conninfo: "host=db user=app", applicationName: "other", connectTimeout: nil, deadPeerCheck: nil)
        #expect(try options.connectParameters(environment: [:]).first?.keyword == "dbname")
        #expect(try parameters(options) == ["dbname": "host=db user=app", "fallback_application_name": "other"])
    }

    @Test(
        "the conninfo's or environment's connect_timeout wins",
        arguments: [
            ("host=db connect_timeout=3", [:]),
            ("postgresql://db/orders?connect_timeout=3", [:]),
            ("host=db", ["PGCONNECT_TIMEOUT": "3"]),
        ] as [(String, [String: String])]
    )
    func userTimeoutWins(conninfo: String, environment: [String: String]) throws {
        #expect(
            try parameters(ConnectionOptions(conninfo: conninfo), environment: environment)["connect_timeout"] == nil)
    }

    @Test func applicationNameIsOnlyAFallback() throws {
        // libpq ignores fallback_application_name when application_name or PGAPPNAME is set.
        #expect(
            try parameters(ConnectionOptions(conninfo: "application_name=x"))["fallback_application_name"] == "partmand"
        )
        #expect(
            try parameters(ConnectionOptions(conninfo: "fallback_application_name=x"))["fallback_application_name"]
                == nil)
    }

    @Test func plainDatabaseNameIsNotParsed() throws {
        #expect(try parameters(ConnectionOptions(conninfo: "orders"))["dbname"] == "orders")
    }

    @Test(
        "invalid conninfo fails without revealing the password",
        arguments: [
            "host=db password=my secret",
            "host=db password='my secret",
            "host=db password=my secret=x",
            "postgresql://app:secret@db/orders?x",
            "postgresql://app:secret@db/orders?password=x%zzsecret",
        ]
    )
    func invalidConninfo(conninfo: String) throws {
        let error = try #require(throws: PostgresError.self) {
            try ConnectionOptions(conninfo: conninfo).connectParameters(environment: [:])
        }
        #expect(error.kind == .connectionFailed)
        #expect(error.message.hasPrefix("invalid connection info: "))
        #expect(!error.description.contains("secret"), "\(error)")
    }
}
