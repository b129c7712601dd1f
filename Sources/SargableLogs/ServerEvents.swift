import Foundation

/// A message with the secondary lines that complete it: stderr and syslog give `DETAIL:`,
/// `HINT:`, `CONTEXT:` and `STATEMENT:` as entries of their own, csvlog and jsonlog as fields of
/// the same record. Either way the event is read from one value.
struct CompleteMessage {
    var entry: LogEntry
    var file: String
    var detail: String?
    var hint: String?
    var context: String?
    var statement: String?

    init(_ entry: LogEntry, file: String) {
        self.entry = entry
        self.file = file
        detail = entry.detail
        context = entry.context
        statement = entry.statement
    }

    mutating func complete(with secondary: LogEntry) {
        func joined(_ existing: String?) -> String { existing.map { $0 + "\n" + secondary.message } ?? secondary.message }
        switch secondary.severity {
        case .detail: detail = joined(detail)
        case .hint: hint = joined(hint)
        case .context: context = joined(context)
        case .statement: statement = statement ?? secondary.message
        default: break
        }
    }
}

/// What the server reported about itself: errors, lock waits, deadlocks, temporary files,
/// checkpoints, autovacuum and autoanalyze, connections and disconnections. Recognised from the
/// message texts PostgreSQL 9.6–17 write (they are not translated when lc_messages is C or
/// English, which is what log analysers assume).
enum ServerEvent {
    case error(severity: LogSeverity)
    case lockWait(LockWaitLine)
    case temporaryFile(bytes: Int)
    case checkpointStarting(cause: String)
    case checkpointComplete(CheckpointLine)
    case checkpointsTooFrequent
    case maintenance(MaintenanceLine)
    case connectionReceived(host: String?)
    case connectionAuthorized(user: String?, database: String?, application: String?)
    case disconnection(seconds: Double?, user: String?, database: String?, host: String?)

    struct LockWaitLine {
        enum Outcome: String, Codable, Sendable {
            case stillWaiting = "still waiting", acquired, deadlock = "detected deadlock", avoidedDeadlock = "avoided deadlock"
        }
        var pid: Int
        var outcome: Outcome
        var mode: String
        var object: String
        var milliseconds: Double
    }

    struct CheckpointLine {
        var restartpoint: Bool
        var buffers: Int?
        var walAdded: Int?
        var walRemoved: Int?
        var walRecycled: Int?
        var writeSeconds: Double?
        var syncSeconds: Double?
        var totalSeconds: Double?
        var distanceKB: Double?
    }

    struct MaintenanceLine {
        var analyze: Bool
        var aggressive: Bool
        var wraparound: Bool
        var table: String
        var tuplesRemoved: Int?
        var pagesRemoved: Int?
        var elapsedSeconds: Double?
    }

    /// The event `message` reports, if any.
    static func recognise(_ message: CompleteMessage) -> ServerEvent? {
        let entry = message.entry
        if entry.severity.isError { return .error(severity: entry.severity) }
        guard entry.severity == .log else { return nil }
        var text = Substring(entry.message)
        if text.skip("temporary file: path ") {
            guard let size = text.range(of: ", size ", options: .backwards) else { return nil }
            return Int(text[size.upperBound...].prefix { $0.isNumber }).map { .temporaryFile(bytes: $0) }
        }
        if text.skip("process ") { return lockWait(text) }
        if text.skip("checkpoint starting: ") || text.skip("restartpoint starting: ") { return .checkpointStarting(cause: checkpointCause(text)) }
        if text.skip("checkpoint complete: ") { return .checkpointComplete(checkpoint(text, restartpoint: false)) }
        if text.skip("restartpoint complete: ") { return .checkpointComplete(checkpoint(text, restartpoint: true)) }
        if text.hasPrefix("checkpoints are occurring too frequently") { return .checkpointsTooFrequent }
        if text.skip("automatic ") { return maintenance(text) }
        if text.skip("connection received: ") { return .connectionReceived(host: keyValue("host", in: text, endingBefore: [" port="])) }
        if text.skip("connection authorized: ") {
            // application_name is last and may hold spaces; SSL and GSS details follow it.
            let tails = [" SSL enabled (", " GSS (", " GSS enabled"]
            return .connectionAuthorized(user: keyValue("user", in: text, endingBefore: [" database=", " application_name="] + tails),
                                         database: keyValue("database", in: text, endingBefore: [" application_name="] + tails),
                                         application: keyValue("application_name", in: text, endingBefore: tails))
        }
        if text.skip("disconnection: session time: ") {
            let time = text.prefix { $0 != " " }
            return .disconnection(seconds: sessionSeconds(time), user: keyValue("user", in: text, endingBefore: [" database="]),
                                  database: keyValue("database", in: text, endingBefore: [" host="]),
                                  host: keyValue("host", in: text, endingBefore: [" port="]))
        }
        return nil
    }

    /// `process 12 still waiting for ShareLock on transaction 7 after 1000.072 ms`, and its
    /// `acquired`, `detected deadlock while waiting for` and `avoided deadlock for` forms.
    private static func lockWait(_ text: Substring) -> ServerEvent? {
        var rest = text
        let digits = rest.prefix { $0.isNumber }
        guard let pid = Int(digits) else { return nil }
        rest = rest.dropFirst(digits.count)
        let outcome: LockWaitLine.Outcome
        if rest.skip(" still waiting for ") { outcome = .stillWaiting }
        else if rest.skip(" acquired ") { outcome = .acquired }
        else if rest.skip(" detected deadlock while waiting for ") { outcome = .deadlock }
        else if rest.skip(" avoided deadlock for ") { outcome = .avoidedDeadlock }
        else { return nil }
        guard let on = rest.range(of: " on "), let after = rest.range(of: " after ", options: .backwards),
              on.upperBound <= after.lowerBound else { return nil }
        let mode = String(rest[..<on.lowerBound])
        var object = rest[on.upperBound ..< after.lowerBound]
        if outcome == .avoidedDeadlock, let by = object.range(of: " by rearranging queue order") { object = object[..<by.lowerBound] }
        guard let milliseconds = Double(rest[after.upperBound...].prefix { $0.isNumber || $0 == "." }) else { return nil }
        return .lockWait(LockWaitLine(pid: pid, outcome: outcome, mode: mode, object: String(object), milliseconds: milliseconds))
    }

    /// The flags of `checkpoint starting: immediate force wait` as one cause.
    static func checkpointCause(_ flags: Substring) -> String {
        let words = Set(flags.split(separator: " ").map(String.init))
        if words.contains("shutdown") { return "shutdown" }
        if words.contains("end-of-recovery") { return "end-of-recovery" }
        if words.contains("wal") || words.contains("xlog") { return "wal" }
        if words.contains("time") { return "time" }
        // CHECKPOINT, CREATE DATABASE, a base backup: someone asked for it.
        return "requested"
    }

    /// `wrote 3 buffers (0.0%); 0 WAL file(s) added, 0 removed, 0 recycled; write=0.001 s, sync=0.002 s,
    /// total=0.010 s; sync files=2, longest=0.001 s, average=0.001 s; distance=10 kB, estimate=10 kB`.
    private static func checkpoint(_ text: Substring, restartpoint: Bool) -> CheckpointLine {
        func number(after key: String) -> Double? {
            guard let range = text.range(of: key) else { return nil }
            return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
        }
        func integer(before key: String) -> Int? {
            guard let range = text.range(of: key) else { return nil }
            let before = text[..<range.lowerBound]
            return Int(before.reversed().prefix { $0.isNumber }.reversed().map(String.init).joined())
        }
        return CheckpointLine(restartpoint: restartpoint, buffers: number(after: "wrote ").map { Int($0) },
                              walAdded: integer(before: " WAL file(s) added") ?? integer(before: " transaction log file(s) added"),
                              walRemoved: integer(before: " removed"), walRecycled: integer(before: " recycled"),
                              writeSeconds: number(after: "write="), syncSeconds: number(after: "sync="),
                              totalSeconds: number(after: "total="), distanceKB: number(after: "distance="))
    }

    /// `automatic [aggressive ]vacuum [to prevent wraparound ]of table "db.schema.t": …` and
    /// `automatic analyze of table "db.schema.t" …`, with their `tuples:` and `elapsed` figures.
    private static func maintenance(_ text: Substring) -> ServerEvent? {
        guard let of = text.range(of: "of table \"") else { return nil }
        let kind = text[..<of.lowerBound]
        let analyze = kind.hasPrefix("analyze")
        guard analyze || kind.contains("vacuum") else { return nil }
        let afterName = text[of.upperBound...]
        guard let close = afterName.firstIndex(of: "\"") else { return nil }
        func number(after key: String) -> Double? {
            guard let range = text.range(of: key) else { return nil }
            return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
        }
        func integer(before key: String, inLineStarting start: String) -> Int? {
            guard let line = text.range(of: start) else { return nil }
            let rest = text[line.upperBound...].prefix { $0 != "\n" }
            guard let range = rest.range(of: key) else { return nil }
            return Int(String(rest[..<range.lowerBound].reversed().prefix { $0.isNumber }.reversed()))
        }
        // PostgreSQL 13+: `elapsed: 0.01 s`; before: `CPU 0.00s/0.00u sec elapsed 0.01 sec`.
        return .maintenance(MaintenanceLine(
            analyze: analyze, aggressive: kind.contains("aggressive"), wraparound: kind.contains("wraparound"),
            table: String(afterName[..<close]),
            tuplesRemoved: analyze ? nil : integer(before: " removed", inLineStarting: "tuples: "),
            pagesRemoved: analyze ? nil : integer(before: " removed", inLineStarting: "pages: "),
            elapsedSeconds: number(after: "elapsed: ") ?? number(after: "elapsed ")))
    }

    /// `key=value` up to the first of `endingBefore` (or the end); nil when absent or `[unknown]`.
    private static func keyValue(_ key: String, in text: Substring, endingBefore ends: [String]) -> String? {
        guard let start = text.range(of: key + "=") else { return nil }
        var value = text[start.upperBound...]
        for end in ends { if let range = value.range(of: end) { value = value[..<range.lowerBound] } }
        let trimmed = value.trimmingWhitespace
        return trimmed.isEmpty || trimmed == "[unknown]" ? nil : trimmed
    }

    /// `1:02:03.456` (hours:minutes:seconds) as seconds.
    static func sessionSeconds(_ text: Substring) -> Double? {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let hours = Double(parts[0]), let minutes = Double(parts[1]), let seconds = Double(parts[2])
        else { return nil }
        return hours * 3600 + minutes * 60 + seconds
    }

    /// A client's host without its port: `%r` writes `host(port)`, csvlog `host:port`.
    static func hostName(_ text: String?) -> String? {
        guard var host = text, !host.isEmpty else { return nil }
        if host.hasSuffix(")"), let open = host.lastIndex(of: "("), host[host.index(after: open)...].dropLast().allSatisfy(\.isNumber) {
            host = String(host[..<open])
        } else if let colon = host.lastIndex(of: ":"), host[host.index(after: colon)...].allSatisfy(\.isNumber),
                  host.index(after: colon) < host.endIndex, !host.hasPrefix("[") || host[..<colon].hasSuffix("]") {
            // An IPv6 address has colons of its own: only a port after a dotted or bracketed host is cut.
            if host[..<colon].contains(".") || host[..<colon].hasSuffix("]") || !host[..<colon].contains(":") {
                host = String(host[..<colon])
            }
        }
        return host.isEmpty || host == "[unknown]" ? nil : host
    }

    /// `Process 12 waits for ShareLock on transaction 7; blocked by process 13.` lines and the
    /// `Process 12: UPDATE …` lines of a deadlock's DETAIL.
    static func deadlockCycle(_ detail: String) -> (waits: [OperationalReport.DeadlockWait], statements: [OperationalReport.DeadlockStatement]) {
        var waits: [OperationalReport.DeadlockWait] = []
        var statements: [OperationalReport.DeadlockStatement] = []
        var lastStatement: Int?
        for line in detail.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = line.drop { $0 == " " || $0 == "\t" }
            guard rest.skip("Process ") else {
                // A statement's own continuation lines.
                if let index = lastStatement { statements[index].statement += "\n" + line }
                continue
            }
            let digits = rest.prefix { $0.isNumber }
            guard let pid = Int(digits) else { continue }
            rest = rest.dropFirst(digits.count)
            if rest.skip(": ") {
                statements.append(OperationalReport.DeadlockStatement(pid: pid, statement: String(rest)))
                lastStatement = statements.count - 1
            } else if rest.skip(" waits for "), let on = rest.range(of: " on "), let blocked = rest.range(of: "; blocked by process ") {
                let blocker = Int(rest[blocked.upperBound...].prefix { $0.isNumber })
                waits.append(OperationalReport.DeadlockWait(pid: pid, mode: String(rest[..<on.lowerBound]),
                                                            object: String(rest[on.upperBound ..< blocked.lowerBound]),
                                                            blockedBy: blocker))
                lastStatement = nil
            }
        }
        return (waits, statements)
    }

    /// Error messages grouped the way pgBadger groups them: quoted names and numbers replaced,
    /// so `relation "a" does not exist` and `relation "b" does not exist` are one message.
    static func normalizedMessage(_ message: String) -> String {
        var firstLine = message.prefix { $0 != "\n" }
        // stderr appends the error position to the message; csvlog and jsonlog give it a field.
        if let at = firstLine.range(of: " at character ", options: .backwards),
           !firstLine[at.upperBound...].isEmpty, firstLine[at.upperBound...].allSatisfy(\.isNumber) {
            firstLine = firstLine[..<at.lowerBound]
        }
        var output = ""
        output.reserveCapacity(firstLine.utf8.count)
        var inQuote = false
        var previous: Character = " "
        var inNumber = false
        for character in firstLine {
            if inQuote {
                if character == "\"" {
                    inQuote = false
                    output += "…\""
                }
                continue
            }
            if character == "\"" {
                inQuote = true
                inNumber = false
                output.append(character)
            } else if character.isNumber, !(previous.isLetter || previous == "_") || inNumber {
                if !inNumber { output.append("N") }
                inNumber = true
            } else {
                inNumber = false
                output.append(character)
            }
            previous = character
        }
        return output
    }
}

extension Substring {
    /// Drops `prefix` when the text starts with it.
    mutating func skip(_ prefix: String) -> Bool {
        guard hasPrefix(prefix) else { return false }
        self = dropFirst(prefix.count)
        return true
    }
}
