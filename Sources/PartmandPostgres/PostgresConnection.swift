import CLibPQ
import Foundation
import Logging
import PartmandTime

/// One blocking libpq connection.
///
/// Use it from one thread at a time; only `cancel()` may be called from any thread.
// @unchecked: the libpq handle is used by one thread at a time (the pool hands a connection to one user);
// only `cancel()` crosses threads, and it goes through the thread-safe CancelHandle.
public final class PostgresConnection: @unchecked Sendable {
    /// The logger for this connection's statements and notices, with `backend_pid` metadata.
    public let logger: Logger
    /// The server version as a number, e.g. 150018 for 15.18 (`PQserverVersion`).
    public let serverVersionNumber: Int
    /// The process ID of the server backend serving this connection.
    public let backendPID: Int32

    /// The libpq connection; nil once closed.
    private var handle: OpaquePointer?
    private let cancelHandle: CancelHandle
    /// The statements this session has prepared (`query(…, prepared: true)`), by SQL text.
    private var preparedNames: [String: String] = [:]
    /// How many statements this session has prepared, to name the next one.
    private var preparedCount = 0
    /// Notices received during the current statement, filled by the notice receiver.
    var pendingNotices: [PostgresNotice] = []

    private init(handle: OpaquePointer, logger: Logger) {
        self.handle = handle
        serverVersionNumber = Int(PQserverVersion(handle))
        backendPID = PQbackendPID(handle)
        cancelHandle = CancelHandle(PQgetCancel(handle))
        var logger = logger
        logger[metadataKey: "backend_pid"] = "\(backendPID)"
        self.logger = logger
        installNoticeReceiver(on: handle)
    }

    deinit {
        close()
    }

    /// Opens a connection and sets the session to `TimeZone` UTC and `DateStyle` ISO, so
    /// that results read the same whatever the server's defaults, and to the options' `sessionSettings`.
    public static func connect(_ options: ConnectionOptions, logger: Logger) throws(PostgresError) -> PostgresConnection
    {
        let parameters = try options.connectParameters(environment: ProcessInfo.processInfo.environment)
        let handle = withCStringArray(parameters.map(\.keyword)) { keywords in
            withCStringArray(parameters.map(\.value)) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(handle)
            throw PostgresError(
                kind: .connectionFailed,
                message: ConninfoRedaction(options.conninfo)
                    .scrub(message.trimmingCharacters(in: .whitespacesAndNewlines)),
                purpose: options.connectPurpose
            )
        }
        let connection = PostgresConnection(handle: handle, logger: logger)
        let settings = options.sessionSettings.indices.map { ", set_config($\($0 * 2 + 1), $\($0 * 2 + 2), false)" }
        try connection.query(
            "SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false)"
                + settings.joined(),
            options.sessionSettings.flatMap { [.text($0.name), .text($0.value)] }, purpose: "configure session")
        if let check = options.deadPeerCheck {
            try connection.configureDeadClientCheck(check)
        }
        connection.logger.debug(
            "connected",
            metadata: ["server_version": "\(connection.serverVersionNumber)"]
        )
        return connection
    }

    /// Makes the backend end soon after this client dies rather than run on holding its locks.
    private func configureDeadClientCheck(_ check: DeadPeerCheck) throws(PostgresError) {
        var settings = [
            ("tcp_keepalives_idle", check.keepaliveIdle), ("tcp_keepalives_interval", check.keepaliveInterval),
            ("tcp_keepalives_count", check.keepaliveCount),
        ].map { ($0.0, "\($0.1)") }
        if serverVersionNumber >= 140000 {
            settings.append(("client_connection_check_interval", "\(check.clientCheckInterval.milliseconds)ms"))
        }
        let calls = settings.indices.map { "set_config($\($0 * 2 + 1), $\($0 * 2 + 2), false)" }
        try query(
            "SELECT " + calls.joined(separator: ", "), settings.flatMap { [.text($0.0), .text($0.1)] },
            purpose: "configure dead-client checks")
    }

    /// Runs one statement with parameters `$1`, `$2`… sent separately in text format
    /// (`PQexecParams`). `purpose` describes the statement in errors and logs.
    ///
    /// With `prepared`, the statement is prepared once per session (`PQprepare`) and then only executed
    /// (`PQexecPrepared`), so the server parses it once and, after a few runs, stops planning it: for the
    /// statements sent once per table of a pass. A statement the session lost (`DISCARD ALL`) is
    /// prepared again.
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [PostgresValue?] = [], purpose: String, prepared: Bool = false
    ) throws(PostgresError) -> QueryResult {
        if let position = parameters.firstIndex(where: { $0?.text.utf8.contains(0) ?? false }) {
            // libpq would silently cut the value at the NUL byte; the server refuses NUL in text.
            throw PostgresError(
                kind: .server,
                message: "parameter $\(position + 1) contains a NUL byte, which text cannot hold",
                sqlState: "22021",
                purpose: purpose
            )
        }
        guard prepared else {
            return try run(purpose: purpose) { handle in
                Self.withCStringArray(parameters.map { $0?.text }) { values in
                    PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
                }
            }
        }
        do {
            return try executePrepared(sql, parameters, purpose: purpose)
        } catch  where error.sqlState == Self.undefinedPreparedStatement {
            preparedNames[sql] = nil
            return try executePrepared(sql, parameters, purpose: purpose)
        }
    }

    /// SQLSTATE 26000, invalid_sql_statement_name: the session has no prepared statement of that name.
    private static let undefinedPreparedStatement = "26000"

    /// Prepares `sql` unless this session already has, then executes it with `parameters`.
    private func executePrepared(_ sql: String, _ parameters: [PostgresValue?], purpose: String)
        throws(PostgresError) -> QueryResult
    {
        let name: String
        if let known = preparedNames[sql] {
            name = known
        } else {
            preparedCount += 1
            name = "partmand_\(preparedCount)"
            try run(purpose: purpose) { handle in PQprepare(handle, name, sql, Int32(parameters.count), nil) }
            preparedNames[sql] = name
        }
        return try run(purpose: purpose) { handle in
            Self.withCStringArray(parameters.map { $0?.text }) { values in
                PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
            }
        }
    }

    /// Runs a script of one or more statements without parameters through the simple query protocol
    /// (`PQexec`), such as an operator's SQL file; stops at the first error.
    public func executeScript(_ sql: String, purpose: String) throws(PostgresError) {
        try run(purpose: purpose) { handle in PQexec(handle, sql) }
    }

    /// Sends one request with `send`, collecting notices, and turns the result into a QueryResult or
    /// a PostgresError.
    @discardableResult
    private func run(purpose: String, _ send: (OpaquePointer) -> OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let handle else {
            throw PostgresError(kind: .closed, message: "connection is closed", purpose: purpose)
        }
        logger.debug("running statement", metadata: ["purpose": "\(purpose)"])
        pendingNotices = []
        cancelHandle.setRunning(true)
        let result = send(handle)
        cancelHandle.setRunning(false)
        defer { PQclear(result) }
        let notices = pendingNotices
        pendingNotices = []
        guard let result else {
            throw PostgresError(
                kind: .connectionLost,
                message: String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines),
                purpose: purpose
            )
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return QueryResult(result, notices: notices)
        default:
            throw PostgresError(result: result, purpose: purpose, connectionLost: PQstatus(handle) != CONNECTION_OK)
        }
    }

    /// Runs one statement without parameters, such as BEGIN, COMMIT or ROLLBACK.
    public func execute(_ sql: String, purpose: String) throws(PostgresError) {
        try query(sql, purpose: purpose)
    }

    /// Asks the server to cancel the statement running on this connection; the statement then
    /// fails with SQLSTATE 57014. Safe from any thread; does nothing when no statement runs.
    public func cancel() {
        switch cancelHandle.cancelRunningStatement() {
        case .sent:
            logger.info("cancel requested")
        case .idle:
            break
        case .failed(let message):
            logger.warning("cancel request failed", metadata: ["error": "\(message)"])
        }
    }

    /// Whether the connection is open and libpq considers it healthy. A broken socket shows
    /// only after the next statement.
    public var isOpen: Bool {
        handle.map { PQstatus($0) == CONNECTION_OK } ?? false
    }

    /// Whether the server has said something since the last statement, without a round trip: an idle
    /// connection gets nothing unless its backend ended (a terminated backend or a server shutting down
    /// sends an error, then closes) or sent a notice. True when closed.
    public var hasUnreadInput: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return true }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    /// The connection's transaction state; `.unknown` once closed or broken.
    public var transactionStatus: TransactionStatus {
        handle.map { TransactionStatus(PQtransactionStatus($0)) } ?? .unknown
    }

    /// Closes the connection. Calling it again does nothing.
    public func close() {
        guard let handle else { return }
        cancelHandle.release()
        PQfinish(handle)
        self.handle = nil
        logger.debug("connection closed")
    }

    /// Calls `body` with a NULL-terminated array of C strings (nil elements stay NULL).
    private static func withCStringArray<R>(
        _ strings: [String?],
        _ body: ([UnsafePointer<CChar>?]) -> R
    ) -> R {
        let copies = strings.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
    }
}
