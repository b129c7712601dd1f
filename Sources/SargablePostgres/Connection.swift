import CLibPQ
import Foundation

/// A connection to PostgreSQL through libpq, so it accepts exactly what psql accepts: conninfo
/// strings, `postgresql://` URIs, `PG*` environment variables, `.pgpass`, service files, SSL modes.
///
/// Use one connection from one thread at a time (libpq's rule).
public final class Connection: @unchecked Sendable {
    private let handle: OpaquePointer
    private let noticeBox: NoticeBox
    /// Where this connection points, without the password (for messages).
    public let target: String
    private let password: String?

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
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connectionFailed, message: "could not connect to \(target): out of memory")
        }
        let usedPassword = PQpass(connection).map { String(cString: $0) } ?? options["password"]
        guard PQstatus(connection) == CONNECTION_OK else {
            let raw = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(kind: .connectionFailed,
                                message: "could not connect to \(target): \(Self.oneLine(raw))"
                                    .redacting(usedPassword).redacting(options["password"]))
        }
        // Swift strings are UTF-8. A client encoding such as SJIS or GBK (from PGCLIENTENCODING,
        // PGOPTIONS or ALTER ROLE … SET) would let a multibyte character swallow a quote or a
        // backslash, so the server would split text differently from libpg_query.
        guard PQsetClientEncoding(connection, "UTF8") == 0 else {
            let raw = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(kind: .connectionFailed, message: "could not set client_encoding UTF8 on \(target): \(Self.oneLine(raw))")
        }
        handle = connection
        password = usedPassword
        noticeBox = NoticeBox()
        PQsetNoticeReceiver(connection, { context, result in
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

    deinit { PQfinish(handle) }

    /// The server's `server_version_num` (150004 for 15.4).
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Notices received since the last call, oldest first.
    public func takeNotices() -> [PostgresNotice] {
        defer { noticeBox.notices.removeAll() }
        return noticeBox.notices
    }

    /// Runs one statement with `$1…` parameters sent separately (`PQexecParams`, text format; the
    /// server infers their types). A nil parameter is SQL NULL.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let result: OpaquePointer? = Self.withOptionalCStrings(parameters) { pointers in
            PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        return try consume(result)
    }

    /// Runs a script of one or more statements without parameters (simple query protocol).
    @discardableResult
    public func execute(_ sql: String) throws(PostgresError) -> QueryResult {
        try consume(PQexec(handle, sql))
    }

    /// True while a transaction block is open (or failed and not yet rolled back).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The connection broke (server restart, network) and cannot be used again.
    public var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let result else {
            throw connectionError(String(cString: PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            guard let message = Self.field(result, "M") else {
                throw connectionError(String(cString: PQresultErrorMessage(result)))
            }
            let state = Self.field(result, "C").map(SQLState.init(rawValue:))
            if PQstatus(handle) != CONNECTION_OK || state?.isConnectionException == true || state == .adminShutdown {
                throw connectionError(message)
            }
            let isTimeout = state == .queryCanceled && message.contains("timeout") || state == .lockNotAvailable
            throw PostgresError(kind: isTimeout ? .timeout : .server, sqlState: state,
                                message: message.redacting(password),
                                detail: Self.field(result, "D")?.redacting(password),
                                hint: Self.field(result, "H"),
                                position: Self.field(result, "P").flatMap { Int($0) })
        }
        let columnCount = Int(PQnfields(result))
        let columns = (0 ..< columnCount).map { column in
            ResultColumn(name: String(cString: PQfname(result, Int32(column))), typeOID: PQftype(result, Int32(column)))
        }
        var rows: [Row] = []
        let rowCount = Int(PQntuples(result))
        rows.reserveCapacity(rowCount)
        for row in 0 ..< rowCount {
            let fields: [String?] = (0 ..< columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
            rows.append(Row(columns: columns, fields: fields))
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = String(cString: PQcmdTuples(result))
        return QueryResult(columns: columns, rows: rows, affectedRows: Int(affected), commandTag: tag)
    }

    private func connectionError(_ raw: String) -> PostgresError {
        PostgresError(kind: .connectionLost,
                      message: "connection to \(target) lost: \(Self.oneLine(raw))".redacting(password))
    }

    static func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
        return String(cString: value)
    }

    /// libpq messages end with newlines and sometimes span lines; messages here are one line.
    static func oneLine(_ raw: String) -> String {
        raw.split(whereSeparator: \.isNewline).map { String($0).trimmed(of: " \t") }
            .filter { !$0.isEmpty }.joined(separator: " ")
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
        _ = try consume(PQprepare(handle, name, sql, 0, nil))
    }

    /// Runs a prepared statement with text parameters (`PQexecPrepared`); nil is SQL NULL.
    @discardableResult
    public func execPrepared(_ name: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let result: OpaquePointer? = Self.withOptionalCStrings(parameters) { pointers in
            PQexecPrepared(handle, name, Int32(parameters.count), pointers, nil, nil, 0)
        }
        return try consume(result)
    }

    /// The number of parameters the server inferred for a prepared statement (`PQdescribePrepared`).
    public func describePrepared(_ name: String) throws(PostgresError) -> Int {
        guard let result = PQdescribePrepared(handle, name) else {
            throw connectionError(String(cString: PQerrorMessage(handle)))
        }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            _ = try consume(result)  // throws the server's error and frees the result
            return 0
        }
        defer { PQclear(result) }
        return Int(PQnparams(result))
    }

    /// Frees a prepared statement. Works outside a transaction and after one was rolled back
    /// (prepared statements are not transactional).
    public func deallocate(_ name: String) throws(PostgresError) {
        try execute("DEALLOCATE " + Self.quoteIdentifier(name))
    }
}
