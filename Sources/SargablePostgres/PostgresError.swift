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
        /// The statement was cancelled on request (`Connection.cancel()`, Ctrl-C).
        case cancelled
        /// No result came before the client's own deadline (`Connection.clientTimeout`). The
        /// statement was cancelled; when the server did not answer that either, the connection
        /// was given up (`isBroken`).
        case clientTimeout
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

/// Text from the server or libpq made safe to print on one line: line breaks become spaces, and
/// control characters (C0 but tab, DEL, C1) and terminal escape sequences are dropped, so a
/// message cannot move the cursor, recolour or retitle the user's terminal.
enum ServerText {
    static func printable(_ raw: String) -> String {
        var lines: [String] = []
        var line = ""
        var scalars = raw.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar.value {
            case 0x0A, 0x0D:
                lines.append(line)
                line = ""
            case 0x1B:
                skipEscapeSequence(&scalars)
            case 0x9B:
                skipControlSequence(&scalars)
            case 0x09:
                line.unicodeScalars.append(scalar)
            case 0x00 ..< 0x20, 0x7F ..< 0xA0:
                continue
            default:
                line.unicodeScalars.append(scalar)
            }
        }
        lines.append(line)
        return lines.map { $0.trimmed(of: " \t") }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// After ESC: a CSI (`ESC [ … final`), a string (`ESC ] … BEL` or `ESC P/X/^/_ … ESC \\`),
    /// or ESC, intermediates and a final character.
    private static func skipEscapeSequence(_ scalars: inout String.UnicodeScalarView.Iterator) {
        guard let next = scalars.next() else { return }
        switch next {
        case "[":
            skipControlSequence(&scalars)
        case "]", "P", "X", "^", "_":
            while let scalar = scalars.next() {
                if scalar.value == 0x07 || scalar.value == 0x9C { return }
                if scalar.value == 0x1B {
                    _ = scalars.next()
                    return
                }
            }
        default:
            // ESC, intermediates (0x20…0x2F), one final character (`ESC ( B`, `ESC 7`).
            var current = next
            while (0x20 ... 0x2F).contains(current.value), let following = scalars.next() { current = following }
        }
    }

    /// Parameters and intermediates up to the final byte (0x40…0x7E) of a control sequence.
    private static func skipControlSequence(_ scalars: inout String.UnicodeScalarView.Iterator) {
        while let scalar = scalars.next() {
            if (0x40 ... 0x7E).contains(scalar.value) || !(0x20 ... 0x3F).contains(scalar.value) { return }
        }
    }
}
