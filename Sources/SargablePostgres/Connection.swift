import CLibPQ
import Foundation
import SargableCore

/// A connection to PostgreSQL through libpq, so it accepts exactly what psql accepts: conninfo
/// strings, `postgresql://` URIs, `PG*` environment variables, `.pgpass`, service files, SSL modes.
///
/// Not `Sendable`: libpq allows one thread at a time on a connection, and the compiler holds
/// every user to it. A connection may move to another thread (`sending`); only its `canceller`
/// is shared.
public final class Connection {
    private let handle: OpaquePointer
    private let noticeBox: NoticeBox
    /// Where this connection points, without the password (for messages).
    public let target: String
    private let password: String?
    /// Cancels this connection's statements from any thread (a signal handler's queue).
    public let canceller: Canceller
    /// Set when the client gave up waiting: the connection's protocol state is unknown.
    private var abandonedReason: String?

    /// How long to wait for one statement's result before cancelling it; after the cancel,
    /// `cancelGrace` more, then the connection is given up with a `clientTimeout` error. Set it a
    /// little above `statement_timeout`, so the client ends also what the server cannot interrupt.
    /// Nil (the default) waits as long as the server takes.
    public var clientTimeout: Duration?
    public var cancelGrace: Duration = .seconds(2)

    /// Connects. An empty string means "everything from the environment", as with psql.
    /// `connect_timeout` defaults to 10 seconds unless the string or `PGCONNECT_TIMEOUT` says otherwise.
    public init(_ connectionString: String = "", applicationName: String = "sargable") throws(PostgresError) {
        let options = try ConnectionString.parse(connectionString)
        target = ConnectionString.redacted(connectionString)
        var keywords: [String] = []
        var values: [String] = []
        // Given before the expanded dbname, so the user's own string and environment win.
        if ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"] == nil {
            keywords.append("connect_timeout")
            values.append("10")
        }
        keywords += ["fallback_application_name", "dbname"]
        values += [applicationName, connectionString]
        let connection = Self.withCStrings(keywords) { keywordPointers in
            Self.withCStrings(values) { valuePointers in
                libpq.PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connectionFailed, message: "could not connect to \(target): out of memory")
        }
        let usedPassword = libpq.PQpass(connection).map { String(cString: $0) } ?? options["password"]
        guard libpq.PQstatus(connection) == CONNECTION_OK else {
            let raw = String(cString: libpq.PQerrorMessage(connection)!)
            libpq.PQfinish(connection)
            throw PostgresError(kind: .connectionFailed,
                                message: ConnectionString.redacting("could not connect to \(target): \(ServerText.printable(raw))",
                                                                    for: connectionString).redacting(usedPassword))
        }
        // Swift strings are UTF-8. A client encoding such as SJIS or GBK (from PGCLIENTENCODING,
        // PGOPTIONS or ALTER ROLE … SET) would let a multibyte character swallow a quote or a
        // backslash, so the server would split text differently from libpg_query.
        guard libpq.PQsetClientEncoding(connection, "UTF8") == 0 else {
            let raw = String(cString: libpq.PQerrorMessage(connection)!)
            libpq.PQfinish(connection)
            throw PostgresError(kind: .connectionFailed, message: "could not set client_encoding UTF8 on \(target): \(ServerText.printable(raw))")
        }
        handle = connection
        password = usedPassword
        canceller = Canceller(libpq.PQgetCancel(connection))
        noticeBox = NoticeBox()
        libpq.PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result else { return }
            let box = Unmanaged<NoticeBox>.fromOpaque(context).takeUnretainedValue()
            box.notices.append(PostgresNotice(
                severity: Connection.field(result, "V") ?? Connection.field(result, "S") ?? "NOTICE",
                sqlState: Connection.field(result, "C").map(SQLState.init(rawValue:)),
                message: Connection.field(result, "M") ?? "",
                detail: Connection.field(result, "D"),
                hint: Connection.field(result, "H")))
        }, Unmanaged.passUnretained(noticeBox).toOpaque())
    }

    deinit { libpq.PQfinish(handle) }

    /// The server's `server_version_num` (150004 for 15.4).
    public var serverVersion: Int { Int(libpq.PQserverVersion(handle)) }

    /// Set by `beginReadOnlySession`: every transaction is read-only with these limits.
    public internal(set) var readOnlySessionLimits: StatementLimits?

    /// Notices received since the last call, oldest first.
    public func takeNotices() -> [PostgresNotice] {
        defer { noticeBox.notices.removeAll() }
        return noticeBox.notices
    }

    /// Runs one statement with `$1…` parameters sent separately (`PQsendQueryParams`, text format;
    /// the server infers their types). A nil parameter is SQL NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        try sendAndWait {
            Self.withOptionalCStrings(parameters) { pointers in
                libpq.PQsendQueryParams(handle, sql, Int32(clamping: parameters.count), nil, pointers, nil, nil, 0)
            }
        }
    }

    /// Runs a script of one or more statements without parameters (simple query protocol).
    /// `copyInput` is the data for a `COPY … FROM STDIN` in it (text as pg_dump writes it, without
    /// the `\.` line); without it, such a COPY fails with an error saying no data was given.
    @discardableResult
    public func execute(_ sql: String, copyInput: [UInt8]? = nil) throws(PostgresError) -> QueryResult {
        try sendAndWait(copyInput: copyInput) { libpq.PQsendQuery(handle, sql) }
    }

    /// True while a transaction block is open (or failed and not yet rolled back).
    public var isInTransaction: Bool {
        let status = libpq.PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The connection broke (server restart, network), or the client gave up waiting on it, and
    /// cannot be used again.
    public var isBroken: Bool { abandonedReason != nil || libpq.PQstatus(handle) != CONNECTION_OK }

    /// Asks the server to cancel the running statement, or the next one sent when none is running.
    /// From another thread, use `canceller.cancel()`.
    @discardableResult
    public func cancel() -> Bool { canceller.cancel() }

    // MARK: - Sending and waiting

    /// The one path every statement takes: `send` queues it (a `PQsend…` call returning 1 on
    /// success), then every result is read until libpq has none left, waiting on the socket with
    /// `clientTimeout` as the deadline. The first error wins, else the last result is returned,
    /// as `PQexec` does.
    func sendAndWait(copyInput: [UInt8]? = nil, _ send: () -> Int32) throws(PostgresError) -> QueryResult {
        if let abandonedReason { throw PostgresError(kind: .connectionLost, message: abandonedReason) }
        guard send() == 1 else { throw connectionError(String(cString: libpq.PQerrorMessage(handle)!)) }
        canceller.begin()
        defer { canceller.end() }
        // Capped at a year, so that no deadline overflows the clock.
        var wait = Wait(deadline: clientTimeout.map { ContinuousClock.now + min($0, .seconds(31_536_000)) })
        var pendingCopyInput = copyInput
        var copyRefused = false
        var kept: OpaquePointer?
        defer { if let kept { libpq.PQclear(kept) } }
        while true {
            while libpq.PQisBusy(handle) == 1 { try waitForSocket(&wait) }
            guard let result = libpq.PQgetResult(handle) else { break }
            switch libpq.PQresultStatus(result) {
            case PGRES_COPY_IN:
                libpq.PQclear(result)
                if pendingCopyInput == nil { copyRefused = true }
                try sendCopyInput(pendingCopyInput)
                pendingCopyInput = nil
            case PGRES_COPY_OUT:
                libpq.PQclear(result)
                try discardCopyOutput(&wait)
            case PGRES_COPY_BOTH:
                // Only replication connections get here; nothing of Sargable's opens one.
                libpq.PQclear(result)
                throw abandon("connection to \(target) entered COPY BOTH mode, which Sargable does not use")
            default:
                if let previous = kept {
                    if Self.isError(previous) {
                        libpq.PQclear(result)
                        continue
                    }
                    libpq.PQclear(previous)
                }
                kept = result
            }
        }
        guard let final = kept else { throw connectionError(String(cString: libpq.PQerrorMessage(handle)!)) }
        if wait.cancelledAtDeadline, Self.isError(final),
           Self.field(final, "C").map(SQLState.init(rawValue:)) == .queryCanceled {
            throw PostgresError(kind: .clientTimeout, sqlState: .queryCanceled,
                                message: "no result after \(Self.describe(clientTimeout)) (the client's deadline), so the client cancelled the statement")
        }
        do {
            return try consume(final)
        } catch where copyRefused && error.kind == .cancelled {
            // The server reports a COPY ended by the client as cancelled; it failed for want of data.
            var refused = error
            refused.kind = .server
            throw refused
        }
    }

    /// The state of one wait for a statement's results.
    private struct Wait {
        var deadline: ContinuousClock.Instant?
        /// The client's deadline passed and a cancel request was sent.
        var cancelledAtDeadline = false
    }

    /// Waits until something arrives on the socket. At the deadline it asks the server to cancel
    /// and waits `cancelGrace` more (a backend stuck where it cannot be interrupted, such as dblink
    /// waiting on a remote query, never answers); after that the connection is given up.
    private func waitForSocket(_ wait: inout Wait) throws(PostgresError) {
        while try !pollSocket(until: wait.deadline) {
            guard !wait.cancelledAtDeadline else {
                throw abandon("no result after \(Self.describe(clientTimeout)) (the client's deadline) and none within "
                    + "\(Self.describe(cancelGrace)) of a cancel request; the client gave up on the connection to \(target)",
                              kind: .clientTimeout)
            }
            canceller.sendCancelRequest()
            wait.cancelledAtDeadline = true
            wait.deadline = ContinuousClock.now + cancelGrace
        }
    }

    /// Waits for the socket to be readable, then lets libpq read what arrived. Returns false when
    /// the deadline passed first.
    private func pollSocket(until deadline: ContinuousClock.Instant?) throws(PostgresError) -> Bool {
        let socket = libpq.PQsocket(handle)
        guard socket >= 0 else { throw connectionError(String(cString: libpq.PQerrorMessage(handle)!)) }
        var milliseconds: Int32 = -1
        if let deadline {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            let (seconds, attoseconds) = left.components
            // Rounded up, so the wait never ends just before the deadline and spins; a wait of
            // more than a day is done a day at a time.
            milliseconds = Int32(min(seconds, 86_400) * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
        }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 {
            guard errno == EINTR else { throw connectionError("poll() failed: \(String(cString: strerror(errno)))") }
            return true
        }
        if ready == 0 { return false }
        if libpq.PQconsumeInput(handle) == 0 {
            throw connectionError(String(cString: libpq.PQerrorMessage(handle)!))
        }
        return true
    }

    /// Answers the server's request for COPY data: `data`, or an end with an error message that
    /// the server reports back, so the statement fails with a reason instead of hanging.
    private func sendCopyInput(_ data: [UInt8]?) throws(PostgresError) {
        guard let data else {
            guard libpq.PQputCopyEnd(handle, "no COPY data was given with the statement") == 1 else {
                throw connectionError(String(cString: libpq.PQerrorMessage(handle)!))
            }
            return
        }
        let chunkSize = 1 << 16
        var start = 0
        while start < data.count {
            let end = min(start + chunkSize, data.count)
            let sent = data[start ..< end].withUnsafeBytes { buffer in
                libpq.PQputCopyData(handle, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
            }
            guard sent == 1 else { throw connectionError(String(cString: libpq.PQerrorMessage(handle)!)) }
            start = end
        }
        guard libpq.PQputCopyEnd(handle, nil) == 1 else { throw connectionError(String(cString: libpq.PQerrorMessage(handle)!)) }
    }

    /// Reads and drops `COPY … TO STDOUT` data, so the connection is ready for the next statement.
    private func discardCopyOutput(_ wait: inout Wait) throws(PostgresError) {
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let count = libpq.PQgetCopyData(handle, &buffer, 1)
            if let buffer { libpq.PQfreemem(buffer) }
            if count > 0 { continue }
            if count == -1 { return }
            if count == -2 { throw connectionError(String(cString: libpq.PQerrorMessage(handle)!)) }
            // Nothing buffered yet: wait for more, under the same deadline.
            try waitForSocket(&wait)
        }
    }

    /// Marks the connection unusable (its state is unknown) and returns the error to throw.
    private func abandon(_ message: String, kind: PostgresError.Kind = .connectionLost) -> PostgresError {
        let redacted = message.redacting(password)
        abandonedReason = "connection to \(target) was given up earlier: \(redacted)".redacting(password)
        return PostgresError(kind: kind, message: redacted)
    }

    private static func isError(_ result: OpaquePointer) -> Bool {
        let status = libpq.PQresultStatus(result)
        return status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY
    }

    static func describe(_ duration: Duration?) -> String {
        guard let duration else { return "no deadline" }
        let (seconds, attoseconds) = duration.components
        guard abs(seconds) < Int64.max / 1000 else { return "\(seconds) s" }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    private func consume(_ result: OpaquePointer) throws(PostgresError) -> QueryResult {
        switch libpq.PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            guard let message = Self.field(result, "M") else {
                throw connectionError(String(cString: libpq.PQresultErrorMessage(result)!))
            }
            let state = Self.field(result, "C").map(SQLState.init(rawValue:))
            if libpq.PQstatus(handle) != CONNECTION_OK || state?.isConnectionException == true || state == .adminShutdown {
                throw connectionError(message)
            }
            let kind: PostgresError.Kind
            if state == .lockNotAvailable || state == .queryCanceled && message.contains("timeout") {
                kind = .timeout
            } else if state == .queryCanceled {
                kind = .cancelled
            } else {
                kind = .server
            }
            throw PostgresError(kind: kind, sqlState: state,
                                message: message.redacting(password),
                                detail: Self.field(result, "D")?.redacting(password),
                                hint: Self.field(result, "H"),
                                position: Self.field(result, "P").flatMap { Int($0) })
        }
        let columnCount = Int(libpq.PQnfields(result))
        let columns = (0 ..< columnCount).map { column in
            ResultColumn(name: String(cString: libpq.PQfname(result, Int32(column))!), typeOID: libpq.PQftype(result, Int32(column)))
        }
        var rows: [Row] = []
        let rowCount = Int(libpq.PQntuples(result))
        rows.reserveCapacity(rowCount)
        for row in 0 ..< rowCount {
            let fields: [String?] = (0 ..< columnCount).map { column in
                libpq.PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: libpq.PQgetvalue(result, Int32(row), Int32(column))!)
            }
            rows.append(Row(columns: columns, fields: fields))
        }
        let tag = String(cString: libpq.PQcmdStatus(result)!)
        let affected = String(cString: libpq.PQcmdTuples(result)!)
        return QueryResult(columns: columns, rows: rows, affectedRows: Int(affected), commandTag: tag,
                           parameterCount: Int(libpq.PQnparams(result)))
    }

    private func connectionError(_ raw: String) -> PostgresError {
        PostgresError(kind: .connectionLost,
                      message: "connection to \(target) lost: \(ServerText.printable(raw))".redacting(password))
    }

    /// A field of an error or notice, as text safe to print (see `ServerText`).
    static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let ascii = code.asciiValue, let value = libpq.PQresultErrorField(result, Int32(ascii)) else { return nil }
        return ServerText.printable(String(cString: value))
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let duplicates = strings.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        return body(duplicates.map { UnsafePointer($0) } + [nil])
    }

    private static func withOptionalCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let duplicates = strings.map { $0.map { strdup($0) } ?? nil }
        defer { duplicates.forEach { free($0) } }
        return body(duplicates.map { UnsafePointer($0) })
    }
}

/// Storage the C notice receiver appends to.
private final class NoticeBox {
    var notices: [PostgresNotice] = []
}

extension Connection {
    /// The part of a connection other threads may use: `PQcancel` (libpq allows it from any
    /// thread) and whether a statement is running and a cancel was asked for.
    public final class Canceller: @unchecked Sendable {
        private let cancelHandle: OpaquePointer?
        // Guarded by `lock`.
        private let lock = Lock()
        private var isRunning = false
        private var isRequested = false

        fileprivate init(_ cancelHandle: OpaquePointer?) { self.cancelHandle = cancelHandle }

        deinit { if let cancelHandle { libpq.PQfreeCancel(cancelHandle) } }

        /// Asks the server to cancel the running statement, or the next one sent when none is
        /// running (so a request that races a statement's start is not lost). Returns true when
        /// a statement was running.
        @discardableResult
        public func cancel() -> Bool {
            lock.withLock {
                isRequested = true
                if isRunning { sendCancelRequest() }
                return isRunning
            }
        }

        /// A statement was sent: a request that came before it cancels it now.
        fileprivate func begin() {
            lock.withLock {
                isRunning = true
                if isRequested { sendCancelRequest() }
            }
        }

        /// The statement's results are all read; a request made during it is used up.
        fileprivate func end() {
            lock.withLock {
                isRunning = false
                isRequested = false
            }
        }

        fileprivate func sendCancelRequest() {
            guard let cancelHandle else { return }
            var errorBuffer = [CChar](repeating: 0, count: 256)
            _ = libpq.PQcancel(cancelHandle, &errorBuffer, Int32(errorBuffer.count))
        }
    }
}

extension Connection {
    /// Quotes an identifier for SQL (`"Order Items"`).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// Quotes a string literal for SQL. A value with a backslash becomes an `E''` literal with the
    /// backslash doubled, which the server reads the same whatever standard_conforming_strings says.
    public static func quoteLiteral(_ value: String) -> String {
        let quoted = value.replacing("'", with: "''")
        guard value.contains("\\") else { return "'" + quoted + "'" }
        return "E'" + quoted.replacing("\\", with: "\\\\") + "'"
    }
}

// MARK: - Prepared statements (extended protocol)
//
// User statements go only through these and `query` (PQexecParams): the extended protocol carries
// exactly one statement, so text the server lexes differently from libpg_query cannot smuggle in a
// second one (a COMMIT, a DROP) the way a string spliced into `PREPARE … AS …` could.
extension Connection {
    /// Prepares `sql` as the named statement (`PQprepare`); the server infers the parameter types.
    public func prepare(_ name: String, _ sql: String) throws(PostgresError) {
        _ = try sendAndWait { libpq.PQsendPrepare(handle, name, sql, 0, nil) }
    }

    /// The number of parameters the server inferred for a prepared statement (`PQdescribePrepared`).
    public func describePrepared(_ name: String) throws(PostgresError) -> Int {
        try sendAndWait { libpq.PQsendDescribePrepared(handle, name) }.parameterCount
    }

    /// Frees a prepared statement. Works outside a transaction and after one was rolled back
    /// (prepared statements are not transactional).
    public func deallocate(_ name: String) throws(PostgresError) {
        try execute("DEALLOCATE " + Self.quoteIdentifier(name))
    }
}
