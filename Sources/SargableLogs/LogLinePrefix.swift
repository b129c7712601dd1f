/// A stderr `log_line_prefix` (`%m [%p] %q%u@%d `), used to read the fields of each line.
/// Matching walks the template: literals must match, timestamps and numbers are read by shape,
/// other escapes run to the next literal. A severity word may end the prefix at any literal
/// boundary, which is what `%q` does for background processes and what empty fields look like.
public struct LogLinePrefix: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let parts: [Part]

    enum Part: Sendable, Equatable {
        case literal([UInt8])
        case escape(UInt8)
    }

    public var description: String { text }

    /// Parses a `log_line_prefix` setting. Padding (`%-10u`) is accepted and ignored.
    public init(_ text: String) {
        self.text = text
        var parts: [Part] = []
        var literal: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%"), !bytes.isEmpty else {
                literal.append(byte)
                continue
            }
            while let next = bytes.first, next == UInt8(ascii: "-") || (next >= 48 && next <= 57) { bytes.removeFirst() }
            guard let escape = bytes.popFirst() else { break }
            if escape == UInt8(ascii: "%") {
                literal.append(escape)
                continue
            }
            if escape == UInt8(ascii: "q") { continue } // every literal boundary may end the prefix
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = []
            parts.append(.escape(escape))
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The fields found in a line, as byte ranges into it.
    struct Match {
        var time: Double?
        var pid: Int?
        var session: Range<Int>?
        var user: Range<Int>?
        var database: Range<Int>?
        var application: Range<Int>?
        var severity: LogSeverity
        var messageStart: Int
        /// A field whose value was refused (left nil above), for the reader's warning.
        var refused: (field: String, text: String, refusal: LogNumber.Refusal)?
    }

    /// Matches the prefix at the start of `bytes` followed by a severity word.
    func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        var result = Match(severity: .log, messageStart: 0)
        var position = 0
        for (index, part) in parts.enumerated() {
            if index > 0, let (severity, start) = LogSeverity.marker(in: bytes, at: position) {
                result.severity = severity
                result.messageStart = start
                return result
            }
            switch part {
            case .literal(let literal):
                guard position + literal.count <= bytes.count else { return nil }
                for offset in 0 ..< literal.count where bytes[position + offset] != literal[offset] { return nil }
                position += literal.count
            case .escape(let escape):
                switch escape {
                case UInt8(ascii: "m"), UInt8(ascii: "t"):
                    guard let (seconds, end) = LogTimestamp.parse(bytes, at: position) else { return nil }
                    result.time = seconds
                    position = end
                    // The zone abbreviation PostgreSQL appends (`UTC`, `CET`, `+03`).
                    if position + 1 < bytes.count, bytes[position] == 32, Self.isZoneByte(bytes[position + 1]) {
                        position += 1
                        while position < bytes.count, Self.isZoneByte(bytes[position]) { position += 1 }
                    }
                case UInt8(ascii: "n"):
                    let start = position
                    while position < bytes.count, Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: ".") {
                        position += 1
                    }
                    guard position > start else { return nil }
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self)
                    switch LogNumber.epochSeconds(text) {
                    case .success(let seconds): result.time = seconds
                    case .failure(let refusal): result.refused = ("time", text, refusal)
                    }
                case UInt8(ascii: "p"), UInt8(ascii: "l"):
                    let start = position
                    while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
                    guard position > start else { return nil }
                    if escape == UInt8(ascii: "p") {
                        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self)
                        switch LogNumber.processID(text) {
                        case .success(let pid): result.pid = pid
                        case .failure(let refusal): result.refused = ("pid", text, refusal)
                        }
                    }
                default:
                    let start = position
                    position = valueEnd(bytes, from: position, next: index + 1 < parts.count ? parts[index + 1] : nil)
                    let range = start ..< position
                    switch escape {
                    case UInt8(ascii: "c"): result.session = range
                    case UInt8(ascii: "u"): result.user = range
                    case UInt8(ascii: "d"): result.database = range
                    case UInt8(ascii: "a"): result.application = range
                    default: break
                    }
                }
            }
        }
        guard let (severity, start) = LogSeverity.marker(in: bytes, at: position) else { return nil }
        result.severity = severity
        result.messageStart = start
        return result
    }

    /// Where a free-text escape ends: at the next literal, or before the severity word.
    private func valueEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, next: Part?) -> Int {
        var position = start
        if case .literal(let literal)? = next, let first = literal.first {
            while position < bytes.count {
                if bytes[position] == first, position + literal.count <= bytes.count,
                   (0 ..< literal.count).allSatisfy({ bytes[position + $0] == literal[$0] }) {
                    return position
                }
                position += 1
            }
            return position
        }
        while position < bytes.count, LogSeverity.marker(in: bytes, at: position) == nil { position += 1 }
        return position
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    static func isZoneByte(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || isDigit(byte) || byte == 43 || byte == 45
    }
}

extension LogLinePrefix {
    /// Guesses the prefix from sample lines: each line's text before its severity word is read
    /// as a sequence of known shapes (timestamp, `[pid]`, `user@db`, `key=value`, session id),
    /// and the candidate matching the most lines wins (more fields break ties).
    public static func infer(from lines: [[UInt8]]) -> LogLinePrefix? {
        var candidates: [String: Int] = [:]
        for line in lines {
            line.withUnsafeBufferPointer { bytes in
                guard let end = severityStart(in: bytes) else { return }
                candidates[describe(UnsafeBufferPointer(rebasing: bytes[0 ..< end])), default: 0] += 1
            }
        }
        var best: (prefix: LogLinePrefix, matches: Int, fields: Int)?
        for text in candidates.keys.sorted() {
            let prefix = LogLinePrefix(text)
            let matches = lines.reduce(0) { count, line in
                count + (line.withUnsafeBufferPointer { prefix.match($0) } != nil ? 1 : 0)
            }
            let fields = prefix.parts.count
            guard matches > 0 else { continue }
            if let current = best, (current.matches, current.fields) >= (matches, fields) { continue }
            best = (prefix, matches, fields)
        }
        return best?.prefix
    }

    /// Where the first severity word (`LOG:  `) of a line starts, if the line has one.
    static func severityStart(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var position = 0
        while position < bytes.count {
            let startsWord = position == 0 || !(isWordByte(bytes[position - 1]))
            if startsWord, bytes[position] >= 65, bytes[position] <= 90, LogSeverity.marker(in: bytes, at: position) != nil {
                return position
            }
            position += 1
        }
        return nil
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || isDigit(byte) || byte == 95
    }

    /// Turns one line's prefix text into a `log_line_prefix` by recognising the shapes of values.
    static func describe(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var output = ""
        var position = 0
        var sawPid = false
        let text = Array(bytes)
        if let (_, end) = LogTimestamp.parse(bytes, at: 0) {
            output += end > 19 && bytes[19] == UInt8(ascii: ".") ? "%m" : "%t"
            position = end
            if position + 1 < text.count, text[position] == 32, isZoneByte(text[position + 1]) {
                position += 1
                while position < text.count, isZoneByte(text[position]) { position += 1 }
            }
        }
        func run(from start: Int, while condition: (UInt8) -> Bool) -> Int {
            var end = start
            while end < text.count, condition(text[end]) { end += 1 }
            return end
        }
        let valueByte: (UInt8) -> Bool = { $0 != 32 && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: ":") }
        while position < text.count {
            let byte = text[position]
            if byte == UInt8(ascii: "[") {
                let digitsEnd = run(from: position + 1, while: isDigit)
                if digitsEnd > position + 1, digitsEnd < text.count {
                    if text[digitsEnd] == UInt8(ascii: "]") {
                        output += sawPid ? "[%x]" : "[%p]"
                        sawPid = true
                        position = digitsEnd + 1
                        continue
                    }
                    if text[digitsEnd] == UInt8(ascii: "-") {
                        let close = run(from: digitsEnd + 1, while: isDigit)
                        if close < text.count, text[close] == UInt8(ascii: "]") {
                            output += "[%l-" + String(decoding: text[(digitsEnd + 1) ..< close], as: UTF8.self) + "]"
                            position = close + 1
                            continue
                        }
                    }
                }
            }
            if byte == UInt8(ascii: "["), position + 1 < text.count, !isDigit(text[position + 1]),
               !text[position...].starts(with: "[local]".utf8), !text[position...].starts(with: "[unknown]".utf8) {
                output += "["
                position += 1
                continue
            }
            if isWordByte(byte) || byte == UInt8(ascii: "[") {
                let wordEnd = run(from: position, while: { isWordByte($0) || $0 == 46 || $0 == 45 || $0 == 91 || $0 == 93 })
                let word = String(decoding: text[position ..< wordEnd], as: UTF8.self)
                if wordEnd < text.count, text[wordEnd] == UInt8(ascii: "=") {
                    // `[local]` and `[unknown]` are values; otherwise `]` closes a bracketed `[key=value]`.
                    let bracketed = wordEnd + 1 < text.count && text[wordEnd + 1] == UInt8(ascii: "[")
                    let valueEnd = run(from: wordEnd + 1, while: {
                        $0 != 32 && $0 != UInt8(ascii: ",") && (bracketed || $0 != UInt8(ascii: "]"))
                    })
                    let value = text[(wordEnd + 1) ..< valueEnd]
                    output += word + "=" + (escape(forKey: word, value: value) ?? String(decoding: value, as: UTF8.self))
                    position = valueEnd
                    continue
                }
                if wordEnd < text.count, text[wordEnd] == UInt8(ascii: "@") {
                    let databaseEnd = run(from: wordEnd + 1, while: { isWordByte($0) || $0 == 46 || $0 == 45 || $0 == 91 || $0 == 93 })
                    output += "%u@%d"
                    position = databaseEnd
                    continue
                }
                if isHostShape(text[position ..< run(from: position, while: valueByte)]) {
                    output += text[position ..< run(from: position, while: valueByte)].contains(UInt8(ascii: "(")) ? "%r" : "%h"
                    position = run(from: position, while: valueByte)
                    continue
                }
                if isSessionIDShape(text[position ..< wordEnd]) {
                    output += "%c"
                    position = wordEnd
                    continue
                }
                if !sawPid, word.utf8.allSatisfy(isDigit) {
                    output += "%p"
                    sawPid = true
                    position = wordEnd
                    continue
                }
            }
            if byte == UInt8(ascii: "@") {
                // `%u@%d` with both empty (background processes).
                output += "%u@%d"
                position += 1
                continue
            }
            output += byte == UInt8(ascii: "%") ? "%%" : String(decoding: [byte], as: UTF8.self)
            position += 1
        }
        return output
    }

    private static func escape(forKey key: String, value: ArraySlice<UInt8>) -> String? {
        switch key.lowercased() {
        case "user", "usr", "u", "username", "role": return "%u"
        case "db", "database", "dbname", "d": return "%d"
        case "app", "appli", "application", "application_name", "a": return "%a"
        case "client", "host", "remote", "h": return value.contains(UInt8(ascii: "(")) ? "%r" : "%h"
        case "session", "sess", "c", "session_id": return "%c"
        case "queryid", "query_id", "qid": return "%Q"
        case "pid": return "%p"
        case "xid", "tx", "txid": return "%x"
        case "vxid": return "%v"
        case "line": return "%l"
        case "tag", "cmd", "command": return "%i"
        case "backend", "backend_type": return "%b"
        case "sqlstate", "state", "e": return "%e"
        default: return nil
        }
    }

    /// `[local]`, `10.0.0.1`, `10.0.0.1(5432)`.
    private static func isHostShape(_ value: ArraySlice<UInt8>) -> Bool {
        if value.elementsEqual("[local]".utf8) { return true }
        guard let first = value.first, isDigit(first) else { return false }
        let dots = value.filter { $0 == 46 }.count
        return dots == 3 && value.allSatisfy { isDigit($0) || $0 == 46 || $0 == 40 || $0 == 41 }
    }

    /// `%c` prints the start time and pid in hex: `6009c305.5ce`.
    private static func isSessionIDShape(_ value: ArraySlice<UInt8>) -> Bool {
        guard let dot = value.firstIndex(of: 46), dot > value.startIndex, dot < value.endIndex - 1 else { return false }
        let isHex: (UInt8) -> Bool = { isDigit($0) || ($0 >= 97 && $0 <= 102) }
        return value[..<dot].allSatisfy(isHex) && value[(dot + 1)...].allSatisfy(isHex) && value.filter({ $0 == 46 }).count == 1
    }
}
