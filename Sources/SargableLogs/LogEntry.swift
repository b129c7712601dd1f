/// The severity word PostgreSQL writes before a message (`LOG:  `), including the secondary
/// lines that belong to the message before them (`DETAIL:  `, `STATEMENT:  `, …).
public enum LogSeverity: UInt8, Sendable, Codable {
    case debug, info, notice, warning, error, log, fatal, panic
    case detail, hint, context, statement, query, location

    /// A secondary line completes the message before it from the same session.
    public var isSecondary: Bool { rawValue >= LogSeverity.detail.rawValue }
    public var isError: Bool { self == .error || self == .fatal || self == .panic }

    /// Recognises `WORD` from the bytes of a severity word.
    static func parse<C: Collection>(_ word: C) -> LogSeverity? where C.Element == UInt8 {
        guard let first = word.first else { return nil }
        // Dispatch on the first letter to keep this off the profile of a large log.
        func equals(_ text: StaticString) -> Bool {
            word.count == text.utf8CodeUnitCount
                && zip(word, UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)).allSatisfy { $0 == $1 }
        }
        switch first {
        case UInt8(ascii: "L"): return equals("LOG") ? .log : equals("LOCATION") ? .location : nil
        case UInt8(ascii: "E"): return equals("ERROR") ? .error : nil
        case UInt8(ascii: "S"): return equals("STATEMENT") ? .statement : nil
        case UInt8(ascii: "D"):
            if equals("DETAIL") { return .detail }
            if word.count >= 5, word.starts(with: "DEBUG".utf8) { return .debug }
            return nil
        case UInt8(ascii: "H"): return equals("HINT") ? .hint : nil
        case UInt8(ascii: "C"): return equals("CONTEXT") ? .context : nil
        case UInt8(ascii: "Q"): return equals("QUERY") ? .query : nil
        case UInt8(ascii: "F"): return equals("FATAL") ? .fatal : nil
        case UInt8(ascii: "P"): return equals("PANIC") ? .panic : nil
        case UInt8(ascii: "W"): return equals("WARNING") ? .warning : nil
        case UInt8(ascii: "N"): return equals("NOTICE") ? .notice : nil
        case UInt8(ascii: "I"): return equals("INFO") ? .info : nil
        default: return nil
        }
    }

    /// If `bytes[at...]` starts with `WORD:  `, the severity and where the message starts.
    static func marker(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (LogSeverity, messageStart: Int)? {
        var end = start
        while end < bytes.count, end - start < 10,
              (bytes[end] >= UInt8(ascii: "A") && bytes[end] <= UInt8(ascii: "Z"))
                || (bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9")) {
            end += 1
        }
        guard end > start, end + 2 <= bytes.count, bytes[end] == UInt8(ascii: ":"), bytes[end + 1] == UInt8(ascii: " "),
              let severity = parse(UnsafeBufferPointer(rebasing: bytes[start ..< end]))
        else { return nil }
        var message = end + 2
        while message < bytes.count, bytes[message] == UInt8(ascii: " ") { message += 1 }
        return (severity, message)
    }
}

/// One message of a log, from any format, with the session fields the prefix or columns gave.
public struct LogEntry: Sendable, Codable {
    /// 1-based line of the file where the message starts.
    public var line: Int
    /// Seconds since 1970 (time zone abbreviations are ignored: only differences are used).
    public var time: Double?
    public var pid: Int?
    /// `%c`: the session id, when the log has one.
    public var sessionID: String?
    public var user: String?
    public var database: String?
    public var application: String?
    public var severity: LogSeverity
    public var message: String
    /// csvlog and jsonlog carry the secondary lines as fields of the same record.
    public var detail: String?
    public var statement: String?
    /// csvlog and jsonlog's context field (stderr logs give it as a `CONTEXT:` entry).
    public var context: String?
    /// The SQLSTATE, when the log gives it: csvlog, jsonlog, or `%e` in the prefix.
    public var sqlState: String?
    /// The client host (`%h`, `%r` with its port, csvlog's connection_from, jsonlog's remote_host).
    public var host: String?

    /// One letter a field: log summaries hold the entries of sessions open at their boundaries.
    private enum CodingKeys: String, CodingKey {
        case line = "l", time = "t", pid = "p", sessionID = "c", user = "u", database = "d", application = "a"
        case severity = "s", message = "m", detail = "D", statement = "S", context = "C", sqlState = "e", host = "h"
    }

    public init(line: Int, time: Double? = nil, pid: Int? = nil, sessionID: String? = nil, user: String? = nil,
                database: String? = nil, application: String? = nil, severity: LogSeverity, message: String,
                detail: String? = nil, statement: String? = nil, context: String? = nil, sqlState: String? = nil,
                host: String? = nil) {
        self.line = line
        self.time = time
        self.pid = pid
        self.sessionID = sessionID
        self.user = user
        self.database = database
        self.application = application
        self.severity = severity
        self.message = message
        self.detail = detail
        self.statement = statement
        self.context = context
        self.sqlState = sqlState
        self.host = host
    }
}

/// Timestamps as PostgreSQL writes them: `2024-05-01 12:00:00.123 UTC`, or ISO 8601 with `T`.
/// Syslog's own `May  1 12:00:00` is not read: it has no year.
enum LogTimestamp {
    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.fff]` at `start`; returns the seconds and where it ended.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> (seconds: Double, end: Int)? {
        // Every field before the fraction is at a fixed offset: read in place, no cursor.
        guard bytes.count - start >= 19 else { return nil }
        @inline(__always) func number(_ offset: Int, _ digits: Int) -> Int? {
            var value = 0
            for index in start + offset ..< start + offset + digits {
                let digit = bytes[index] &- 48
                guard digit <= 9 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard let year = number(0, 4), bytes[start + 4] == 45, let month = number(5, 2), bytes[start + 7] == 45,
              let day = number(8, 2), bytes[start + 10] == 32 || bytes[start + 10] == UInt8(ascii: "T"),
              let hour = number(11, 2), bytes[start + 13] == 58, let minute = number(14, 2), bytes[start + 16] == 58,
              let second = number(17, 2)
        else { return nil }
        var index = start + 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        return (Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction, index)
    }

    /// Parses the same text from a `String` (csvlog and jsonlog fields).
    static func parse(_ text: String) -> Double? {
        var copy = text
        return copy.withUTF8 { parse($0, at: 0)?.seconds }
    }

    /// Howard Hinnant's days-from-civil: days since 1970-01-01.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }
}
