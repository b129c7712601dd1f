/// A five-character SQLSTATE code. A struct with static members (not an enum) so codes Sargable
/// does not name still round-trip.
public struct SQLState: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let readOnlySQLTransaction = SQLState(rawValue: "25006")
    public static let invalidPassword = SQLState(rawValue: "28P01")
    public static let invalidAuthorization = SQLState(rawValue: "28000")
    public static let syntaxError = SQLState(rawValue: "42601")
    public static let undefinedTable = SQLState(rawValue: "42P01")
    public static let undefinedObject = SQLState(rawValue: "42704")
    public static let adminShutdown = SQLState(rawValue: "57P01")

    /// Class 08: the connection failed or was lost.
    public var isConnectionException: Bool { rawValue.hasPrefix("08") }
}

/// An error from libpq or the server. `description` is one line, never containing a password.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The connection string or URI could not be parsed.
        case invalidConnectionString
        /// The server could not be reached or refused the login.
        case connectionFailed
        /// The connection broke while a statement was running.
        case connectionLost
        /// The server reported an error for a statement.
        case server
        /// The statement ran longer than `statement_timeout` or waited longer than `lock_timeout`.
        case timeout
    }

    public var kind: Kind
    public var sqlState: SQLState?
    /// The primary message, without libpq's `ERROR:` prefix.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character position in the statement, when the server gave one.
    public var position: Int?

    public init(kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil,
                hint: String? = nil, position: Int? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
    }

    public var description: String {
        var line = message
        if let sqlState { line += " (SQLSTATE \(sqlState))" }
        if let hint { line += "; hint: \(hint)" }
        return line
    }
}

/// A NOTICE, WARNING or INFO message the server sent; captured instead of printed.
public struct PostgresNotice: Sendable, Hashable {
    public var severity: String
    public var sqlState: SQLState?
    public var message: String
    public var detail: String?
    public var hint: String?
}
