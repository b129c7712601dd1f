#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stderr `log_line_prefix` (`%m [%p] %q%u@%d `), used to read the fields of each line.
///
/// Built from the escapes PostgreSQL documents. Each escape reads what PostgreSQL can print for
/// it: `%t %m %s` a timestamp and its zone abbreviation, `%n` epoch seconds, `%p %l %x` digits,
/// `%P` digits or nothing, `%Q` a signed number, `%e` a five-character SQLSTATE, `%c`
/// `hex.hex`, `%v` `n/n` or nothing; `%a %u %d %r %h %L %b %i` any text (spaces, punctuation,
/// unicode, or nothing). A line matches when the whole text before its severity word (`LOG:  `)
/// is the template, backtracking over where each free-text value ends; lines of processes
/// without a session (checkpointer, autovacuum) may stop where `%q` was.
public struct LogLinePrefix: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    let parts: [Part]
    /// The bytes of every literal part, one after the other.
    let literals: [UInt8]
    /// Index in `parts` of `%q`: lines of non-session processes stop there. Without a `%q`, such
    /// lines may stop inside or after any literal (logs whose `%q` was not stated or detected).
    let sessionOnlyFrom: Int?

    /// A literal (a range of `literals`) or an escape. Plain values, not an enum with an array
    /// payload: the matcher reads the parts of every line, and a payload costs reference counting.
    struct Part: Sendable, Equatable {
        var isLiteral: Bool
        var escape: UInt8
        var literalStart: Int
        var literalCount: Int

        static func escape(_ escape: UInt8) -> Part { Part(isLiteral: false, escape: escape, literalStart: 0, literalCount: 0) }
    }

    public var description: String { text }

    /// Parses a `log_line_prefix` setting. Padding (`%-10u`) is accepted; padded values carry
    /// spaces, which the free-text escapes read and the values lose when trimmed.
    public init(_ text: String) {
        self.text = text
        var parts: [Part] = []
        var literals: [UInt8] = []
        var literalStart = 0
        var sessionOnlyFrom: Int?
        var bytes = Array(text.utf8)[...]
        func flush() {
            if literals.count > literalStart {
                parts.append(Part(isLiteral: true, escape: 0, literalStart: literalStart, literalCount: literals.count - literalStart))
            }
            literalStart = literals.count
        }
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "%"), !bytes.isEmpty else {
                literals.append(byte)
                continue
            }
            while let next = bytes.first, next == UInt8(ascii: "-") || (next >= 48 && next <= 57) { bytes.removeFirst() }
            guard let escape = bytes.popFirst() else { break }
            if escape == UInt8(ascii: "%") {
                literals.append(escape)
                continue
            }
            flush()
            if escape == UInt8(ascii: "q") {
                if sessionOnlyFrom == nil { sessionOnlyFrom = parts.count }
                continue
            }
            parts.append(.escape(escape))
        }
        flush()
        self.parts = parts
        self.literals = literals
        self.sessionOnlyFrom = sessionOnlyFrom
    }

    /// Whether lines have a session key (`%c` or `%p`): without one, sessions cannot be told apart.
    public var identifiesSessions: Bool {
        parts.contains { $0 == .escape(UInt8(ascii: "c")) || $0 == .escape(UInt8(ascii: "p")) }
    }

    /// The fields found in a line, as byte ranges into it.
    struct Match {
        var time: Double?
        var pid: Range<Int>?
        var epoch: Range<Int>?
        var session: Range<Int>?
        var user: Range<Int>?
        var database: Range<Int>?
        var application: Range<Int>?
        var host: Range<Int>?
        var backendType: Range<Int>?
        var sqlState: Range<Int>?
        var severity: LogSeverity = .log
        var messageStart = 0
        /// A field whose value was refused (left nil), for the reader's warning. No strings: a
        /// `Match` of plain values is set up and dropped for every line without reference counting.
        var refused: (field: StaticString, range: Range<Int>, refusal: LogNumber.Refusal)?
        var pidValue: Int?
    }

    /// Free-text escapes whose values often hold spaces (`web frontend`, `client backend`,
    /// `UPDATE waiting`): they try the longest value first, the others the shortest.
    fileprivate static func isSpacious(_ escape: UInt8) -> Bool {
        escape == UInt8(ascii: "a") || escape == UInt8(ascii: "b") || escape == UInt8(ascii: "i")
    }
    /// Backtracking steps allowed per line: a template of many adjacent free-text escapes
    /// cannot make one line cost more than this.
    fileprivate static let stepBudget = 512
    /// How far into a line the severity word is looked for: prefixes are short.
    private static let longestPrefix = 4096

    /// Matches the prefix followed by a severity word at the start of `bytes`.
    func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        var result = Match()
        return match(bytes, into: &result) ? result : nil
    }

    /// `match` into the caller's value: the reader's per-line path, where a `Match` (some 300
    /// bytes) returned as an optional is copied at every step out.
    func match(_ bytes: UnsafeBufferPointer<UInt8>, into result: inout Match) -> Bool {
        parts.withUnsafeBufferPointer { parts in
            literals.withUnsafeBufferPointer { literals in
                var found = false
                Self.forEachSeverityWord(in: bytes, before: min(bytes.count, Self.longestPrefix)) { end, severity, messageStart in
                    func attempt(_ count: Int, cutAnywhere: Bool = false) -> Bool {
                        // Each try starts from no fields: a failed one may have set some.
                        result = Match()
                        var matcher = PrefixMatcher(bytes: bytes, parts: parts, literals: literals, end: end, count: count,
                                                    anywhere: cutAnywhere)
                        guard matcher.parts(from: 0, at: 0, &result) else { return false }
                        result.severity = severity
                        result.messageStart = messageStart
                        finishNumbers(bytes, &result)
                        return true
                    }
                    found = attempt(parts.count) || sessionOnlyFrom.map { attempt($0) } ?? attempt(parts.count, cutAnywhere: true)
                    return found
                }
                return found
            }
        }
    }

    /// Calls `body` with each severity word (`LOG:  `) that starts before `limit`, in order, until
    /// it returns true: an upper-case letter that does not follow one, where `LogSeverity.marker`
    /// reads a word. Such a word of at most 10 letters and digits ends at `: `, so only the bytes
    /// before each `: ` are looked at (found with memchr: most of a prefix is not upper case).
    @inline(__always)
    static func forEachSeverityWord(in bytes: UnsafeBufferPointer<UInt8>, before limit: Int,
                                    _ body: (_ start: Int, LogSeverity, _ messageStart: Int) -> Bool) {
        guard let base = bytes.baseAddress else { return }
        func isUpper(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "A") < 26 }
        // The last colon that can end a word starting before `limit`, and still have a space after it.
        let colonEnd = min(bytes.count - 1, limit + 10)
        var from = 0
        while from < colonEnd, let hit = memchr(base + from, Int32(UInt8(ascii: ":")), colonEnd - from) {
            let colon = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            from = colon + 1
            guard bytes[colon + 1] == UInt8(ascii: " ") else { continue }
            var start = colon
            while start > max(0, colon - 10), isUpper(bytes[start - 1]) || isDigit(bytes[start - 1]) { start -= 1 }
            for candidate in start ..< min(colon, limit)
            where isUpper(bytes[candidate]) && (candidate == 0 || !isUpper(bytes[candidate - 1])) {
                guard let (severity, messageStart) = LogSeverity.marker(in: bytes, at: candidate) else { continue }
                if body(candidate, severity, messageStart) { return }
            }
        }
    }

    /// Converts the pid and the epoch time once the whole line matched.
    private func finishNumbers(_ bytes: UnsafeBufferPointer<UInt8>, _ result: inout Match) {
        if let range = result.pid {
            switch LogNumber.processID(digits: UnsafeBufferPointer(rebasing: bytes[range])) {
            case .success(let pid): result.pidValue = pid
            case .failure(let refusal): result.refused = ("pid", range, refusal)
            }
        }
        if let range = result.epoch {
            switch LogNumber.epochSeconds(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)) {
            case .success(let seconds): result.time = seconds
            case .failure(let refusal): result.refused = ("time", range, refusal)
            }
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
    static func isZoneByte(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || isDigit(byte) || byte == 43 || byte == 45
    }
    static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= 97 && byte <= 102) }
}

/// One try of a template on the text before a severity word: backtracks over where each
/// free-text value ends, within a step budget. A struct over buffers, not closures over the
/// prefix: this runs for every line of a log.
private struct PrefixMatcher {
    let bytes: UnsafeBufferPointer<UInt8>
    let parts: UnsafeBufferPointer<LogLinePrefix.Part>
    let literals: UnsafeBufferPointer<UInt8>
    /// Where the severity word starts.
    let end: Int
    /// How much of the template the line must spell: `count` parts, or (`anywhere`) as far as
    /// any byte of a literal after the first part.
    let count: Int
    let anywhere: Bool
    var budget = LogLinePrefix.stepBudget

    init(bytes: UnsafeBufferPointer<UInt8>, parts: UnsafeBufferPointer<LogLinePrefix.Part>, literals: UnsafeBufferPointer<UInt8>,
         end: Int, count: Int, anywhere: Bool) {
        self.bytes = bytes
        self.parts = parts
        self.literals = literals
        self.end = end
        self.count = count
        self.anywhere = anywhere
    }

    /// Where a run of bytes that `accepts` takes, from `start`, ends (at most at `end`).
    @inline(__always)
    private func run(from start: Int, _ accepts: (UInt8) -> Bool) -> Int {
        var position = start
        while position < end, accepts(bytes[position]) { position += 1 }
        return position
    }

    /// Whether `bytes[position...]` starts with the first `length` bytes of literal `part`.
    @inline(__always)
    private func spells(_ part: LogLinePrefix.Part, at position: Int, length: Int) -> Bool {
        for offset in 0 ..< length where bytes[position + offset] != literals[part.literalStart + offset] { return false }
        return true
    }

    /// Whether `parts[index..<count]` spell exactly `bytes[position..<end]`.
    mutating func parts(from index: Int, at position: Int, _ result: inout LogLinePrefix.Match) -> Bool {
        guard index < count else { return position == end }
        budget -= 1
        guard budget >= 0 else { return false }
        let part = parts[index]
        if part.isLiteral {
            let length = part.literalCount
            if anywhere, index > 0, position + length > end {
                // A non-session line ending inside this literal.
                return spells(part, at: position, length: end - position)
            }
            guard position + length <= end, spells(part, at: position, length: length) else { return false }
            if anywhere, index > 0, position + length == end { return true }
            return parts(from: index + 1, at: position + length, &result)
        }
        let escape = part.escape
        switch escape {
        case UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "s"):
            guard let (seconds, stamp) = LogTimestamp.parse(bytes, at: position), stamp <= end else { return false }
            if escape != UInt8(ascii: "s") { result.time = seconds }
            // The zone abbreviation (`UTC`, `CEST`, `+03`); a literal may follow it directly.
            if stamp < end, bytes[stamp] == 32 {
                var candidate = run(from: stamp + 1, LogLinePrefix.isZoneByte)
                while candidate > stamp + 1 {
                    if parts(from: index + 1, at: candidate, &result) { return true }
                    candidate -= 1
                }
            }
            return parts(from: index + 1, at: stamp, &result)
        case UInt8(ascii: "n"):
            let digits = run(from: position, LogLinePrefix.isDigit)
            guard digits > position else { return false }
            var stop = digits
            if stop < end, bytes[stop] == UInt8(ascii: ".") { stop = run(from: stop + 1, LogLinePrefix.isDigit) }
            result.epoch = position ..< stop
            return parts(from: index + 1, at: stop, &result)
        case UInt8(ascii: "p"), UInt8(ascii: "l"), UInt8(ascii: "x"), UInt8(ascii: "P"), UInt8(ascii: "Q"):
            var start = position
            if escape == UInt8(ascii: "Q"), start < end, bytes[start] == UInt8(ascii: "-") { start += 1 }
            let stop = run(from: start, LogLinePrefix.isDigit)
            guard stop > start || escape == UInt8(ascii: "P") else { return false }
            if escape == UInt8(ascii: "p") { result.pid = position ..< stop }
            return parts(from: index + 1, at: stop, &result)
        case UInt8(ascii: "e"):
            guard position + 5 <= end else { return false }
            for offset in 0 ..< 5 {
                let byte = bytes[position + offset]
                guard LogLinePrefix.isDigit(byte) || (byte >= 65 && byte <= 90) else { return false }
            }
            result.sqlState = position ..< position + 5
            return parts(from: index + 1, at: position + 5, &result)
        case UInt8(ascii: "c"):
            let dot = run(from: position, LogLinePrefix.isHex)
            guard dot > position, dot < end, bytes[dot] == UInt8(ascii: ".") else { return false }
            let stop = run(from: dot + 1, LogLinePrefix.isHex)
            guard stop > dot + 1 else { return false }
            result.session = position ..< stop
            return parts(from: index + 1, at: stop, &result)
        case UInt8(ascii: "v"):
            let slash = run(from: position, LogLinePrefix.isDigit)
            if slash > position, slash < end, bytes[slash] == UInt8(ascii: "/") {
                let stop = run(from: slash + 1, LogLinePrefix.isDigit)
                if stop > slash + 1, parts(from: index + 1, at: stop, &result) { return true }
            }
            return parts(from: index + 1, at: position, &result)
        default:
            return freeText(escape, from: index, at: position, &result)
        }
    }

    /// A free-text value ends where the rest of the template matches: before each occurrence of
    /// the next literal, or anywhere when another escape follows.
    private mutating func freeText(_ escape: UInt8, from index: Int, at position: Int, _ result: inout LogLinePrefix.Match) -> Bool {
        // The last part to spell: the value runs to the end.
        if index + 1 >= count { return value(escape, from: index, position ..< end, next: nil, &result) }
        let next = parts[index + 1].isLiteral ? parts[index + 1] : nil
        // Where the next literal cannot start, no value can end: those places are passed over
        // without a try (a line end may still cut the literal short when `anywhere`).
        let first = next.map { literals[$0.literalStart] }
        if LogLinePrefix.isSpacious(escape) {
            var stop = end
            while stop >= position {
                if first == nil || stop >= end || bytes[stop] == first, value(escape, from: index, position ..< stop, next: next, &result) {
                    return true
                }
                if budget < 0 { return false }
                stop -= 1
            }
        } else {
            var stop = position
            while true {
                if let first, stop < end, let base = bytes.baseAddress {
                    stop = memchr(base + stop, Int32(first), end - stop).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? end
                }
                if value(escape, from: index, position ..< stop, next: next, &result) { return true }
                if budget < 0 || stop >= end { return false }
                stop += 1
            }
        }
        return false
    }

    /// Tries `range` as the value of the free-text escape at `index`, followed by the literal `next`.
    private mutating func value(_ escape: UInt8, from index: Int, _ range: Range<Int>, next: LogLinePrefix.Part?,
                                _ result: inout LogLinePrefix.Match) -> Bool {
        let stop = range.upperBound
        if let next {
            // With `anywhere`, the line may end inside the next literal.
            let compared = min(next.literalCount, end - stop)
            guard compared == next.literalCount || anywhere, spells(next, at: stop, length: compared) else { return false }
        }
        switch escape {
        case UInt8(ascii: "u"): result.user = range
        case UInt8(ascii: "d"): result.database = range
        case UInt8(ascii: "a"): result.application = range
        case UInt8(ascii: "r"), UInt8(ascii: "h"): result.host = range
        case UInt8(ascii: "b"): result.backendType = range
        default: break
        }
        return parts(from: index + 1, at: stop, &result)
    }
}

/// What prefix detection chose, and why.
public struct PrefixDetection: Sendable {
    public var prefix: LogLinePrefix
    /// Sample lines with a severity word, and how many of them the prefix reads.
    public var sampleLines: Int
    public var matchedLines: Int
    /// Other prefixes that read the same lines and were proposed by as many: the log cannot
    /// tell them apart, so the user has to state one.
    public var rivals: [LogLinePrefix]

    public var explanation: String {
        "log_line_prefix '\(prefix.text)' detected: it reads \(matchedLines) of the \(sampleLines) sampled lines"
    }
}

extension LogLinePrefix {
    /// Guesses the prefix from sample lines. Each line's text before its severity word proposes
    /// a template, from the shapes of its values (timestamps, numbers, `hex.hex`, `user@db`,
    /// `key=value`, hosts, backend types); values are never written as literals. Every proposal
    /// is then matched against every sampled line, of every session: the one that reads the
    /// most lines and was proposed by the most wins, then the one with more fields.
    public static func detect(from lines: [[UInt8]]) -> PrefixDetection? {
        var proposals: [String: Int] = [:]
        var sampled = 0
        for line in lines {
            line.withUnsafeBufferPointer { bytes in
                guard let end = severityStart(in: bytes) else { return }
                sampled += 1
                proposals[describe(UnsafeBufferPointer(rebasing: bytes[0 ..< end])), default: 0] += 1
            }
        }
        var ranked: [(prefix: LogLinePrefix, matches: Int, votes: Int, fields: Int)] = []
        for (text, votes) in proposals {
            let prefix = LogLinePrefix(text)
            let matches = lines.reduce(0) { count, line in
                count + (line.withUnsafeBufferPointer { prefix.match($0) } != nil ? 1 : 0)
            }
            guard matches > 0 else { continue }
            let fields = prefix.parts.filter { !$0.isLiteral }.count
            ranked.append((prefix, matches, votes, fields))
        }
        // A permissive proposal (free text where a pid was) can read one more line than the
        // right one; it is proposed by few lines, so both counts decide.
        ranked.sort {
            ($0.matches + $0.votes, $0.matches, $0.fields, $1.prefix.text) > ($1.matches + $1.votes, $1.matches, $1.fields, $0.prefix.text)
        }
        guard let best = ranked.first else { return nil }
        let rivals = ranked.dropFirst().filter { $0.matches == best.matches && $0.votes == best.votes }.map(\.prefix)
        return PrefixDetection(prefix: best.prefix, sampleLines: sampled, matchedLines: best.matches, rivals: rivals)
    }

    public static func infer(from lines: [[UInt8]]) -> LogLinePrefix? { detect(from: lines)?.prefix }

    /// Where the first severity word (`LOG:  `) of a line starts, if the line has one.
    static func severityStart(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var found: Int?
        forEachSeverityWord(in: bytes, before: bytes.count) { start, _, _ in
            found = start
            return true
        }
        return found
    }

    /// Bytes that end a value in a prefix: PostgreSQL's templates put these between escapes.
    private static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        case 32, 9, UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"),
             UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "|"), UInt8(ascii: ":"),
             UInt8(ascii: "="), UInt8(ascii: "@"), UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "'"),
             UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "%"):
            return true
        default: return false
        }
    }

    /// `pg_stat_activity.backend_type` values (`%b`), longest first.
    private static let backendTypes = [
        "logical replication launcher", "logical replication worker", "parallel apply worker", "autovacuum launcher",
        "autovacuum worker", "background writer", "background worker", "standalone backend", "client backend",
        "parallel worker", "checkpointer", "walreceiver", "walsender", "walwriter", "postmaster", "archiver", "startup",
        "not initialized", "logger",
    ].map { Array($0.utf8) }

    /// Command tags (`%i`) that are not upper-case SQL words.
    private static let commandTags = ["idle in transaction (aborted)", "idle in transaction", "authentication", "idle"]
        .map { Array($0.utf8) }

    /// Turns one line's prefix text into a `log_line_prefix` by recognising the shapes of values.
    static func describe(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = Array(bytes)
        var output = ""
        var used: Set<UInt8> = []
        var position = 0
        var keyHint: UInt8?
        func emit(_ escape: UInt8) {
            output += "%" + String(UnicodeScalar(escape))
            used.insert(escape)
        }
        func run(from start: Int, while condition: (UInt8) -> Bool) -> Int {
            var end = start
            while end < text.count, condition(text[end]) { end += 1 }
            return end
        }
        func starts(_ word: [UInt8], at start: Int) -> Bool {
            start + word.count <= text.count && Array(text[start ..< start + word.count]) == word
                && (start + word.count == text.count || isSeparator(text[start + word.count]))
        }
        /// The next free-text field a bare word stands for.
        func nextFreeField() -> UInt8 {
            if let hint = keyHint, !used.contains(hint) { return hint }
            return [UInt8(ascii: "u"), UInt8(ascii: "d"), UInt8(ascii: "a"), UInt8(ascii: "h")].first { !used.contains($0) }
                ?? UInt8(ascii: "a")
        }
        /// A value runs to the next separator; `-` and `.` inside it belong to it (`my-host.lan`).
        func valueEnd(from start: Int) -> Int { run(from: start) { !isSeparator($0) } }
        while position < text.count {
            let byte = text[position]
            let hint = keyHint
            defer { if hint != nil, keyHint == hint { keyHint = nil } }
            if let (_, end) = LogTimestamp.parse(bytes, at: position) {
                let fraction = end > position + 19 && text[position + 19] == UInt8(ascii: ".")
                let timeUsed = used.contains(UInt8(ascii: "m")) || used.contains(UInt8(ascii: "t")) || used.contains(UInt8(ascii: "n"))
                emit(timeUsed ? UInt8(ascii: "s") : fraction ? UInt8(ascii: "m") : UInt8(ascii: "t"))
                position = end
                // The zone: letters (`UTC`, `CEST`) or a signed offset (`+03`), after one space.
                if position + 1 < text.count, text[position] == 32 {
                    let letters = run(from: position + 1) { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
                    if letters > position + 1 {
                        position = letters
                    } else if text[position + 1] == 43 || text[position + 1] == 45 {
                        let digits = run(from: position + 2, while: isDigit)
                        if digits > position + 2 { position = digits }
                    }
                }
                continue
            }
            if position + 1 < text.count, isWordStart(text, position), byte >= 97 || (byte >= 65 && byte <= 90) {
                let keyEnd = run(from: position) { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 95 || isDigit($0) }
                if keyEnd < text.count, text[keyEnd] == UInt8(ascii: "=") {
                    output += String(decoding: text[position ... keyEnd], as: UTF8.self)
                    keyHint = escape(forKey: String(decoding: text[position ..< keyEnd], as: UTF8.self))
                    position = keyEnd + 1
                    continue
                }
            }
            if starts(Array("[local]".utf8), at: position) {
                // `%r` and `%h` both print `[local]` for Unix sockets.
                emit(keyHint == UInt8(ascii: "r") && used.contains(UInt8(ascii: "h")) ? UInt8(ascii: "r") : UInt8(ascii: "h"))
                position += 7
                continue
            }
            if starts(Array("[unknown]".utf8), at: position) {
                emit(nextFreeField())
                position += 9
                continue
            }
            if let type = backendTypes.first(where: { starts($0, at: position) }), !used.contains(UInt8(ascii: "b")) {
                emit(UInt8(ascii: "b"))
                position += type.count
                continue
            }
            if let tag = commandTags.first(where: { starts($0, at: position) }), !used.contains(UInt8(ascii: "i")) {
                emit(UInt8(ascii: "i"))
                position += tag.count
                continue
            }
            // A minus sign only after a separator (`%Q` = `-42`): after a value it is a literal (`%p-%l`).
            if isDigit(byte) || (byte == 45 && isWordStart(text, position) && position + 1 < text.count && isDigit(text[position + 1])) {
                let digits = run(from: byte == 45 ? position + 1 : position, while: isDigit)
                let count = digits - position
                // An IPv4 address, with its port in parentheses for %r.
                let hostEnd = run(from: position) { isDigit($0) || $0 == 46 }
                if text[position ..< hostEnd].filter({ $0 == 46 }).count == 3 {
                    var end = hostEnd
                    if end < text.count, text[end] == UInt8(ascii: "(") {
                        let close = run(from: end + 1, while: isDigit)
                        if close < text.count, text[close] == UInt8(ascii: ")") { end = close + 1 }
                    }
                    emit(end > hostEnd ? UInt8(ascii: "r") : UInt8(ascii: "h"))
                    position = end
                    continue
                }
                if digits < text.count, text[digits] == UInt8(ascii: "."), byte != 45 {
                    let after = run(from: digits + 1, while: isHex)
                    let decimals = run(from: digits + 1, while: isDigit)
                    if count >= 9, decimals == after, decimals > digits + 1 {
                        emit(UInt8(ascii: "n"))
                        position = decimals
                        continue
                    }
                    if after > digits + 1 {
                        emit(UInt8(ascii: "c"))
                        position = after
                        continue
                    }
                }
                if byte != 45, let hexEnd = Optional(run(from: position, while: isHex)), hexEnd > digits,
                   hexEnd < text.count, text[hexEnd] == UInt8(ascii: ".") {
                    let after = run(from: hexEnd + 1, while: isHex)
                    if after > hexEnd + 1 {
                        emit(UInt8(ascii: "c"))
                        position = after
                        continue
                    }
                }
                if digits < text.count, text[digits] == UInt8(ascii: "/"), byte != 45 {
                    let after = run(from: digits + 1, while: isDigit)
                    if after > digits + 1 {
                        emit(UInt8(ascii: "v"))
                        position = after
                        continue
                    }
                }
                let wordEnd = valueEnd(from: position)
                if wordEnd == position + 5, !used.contains(UInt8(ascii: "e")),
                   byte == 48 || text[position ..< wordEnd].contains(where: { $0 >= 65 && $0 <= 90 }) {
                    emit(UInt8(ascii: "e")) // SQLSTATE: `00000`, `42P01` (pids never start with 0)
                    position = wordEnd
                    continue
                }
                // `[%p-%l]`: the number ends at a dash that another number follows.
                let dashNumber = digits + 1 < text.count && text[digits] == 45 && isDigit(text[digits + 1])
                if wordEnd == digits || dashNumber {
                    if let hint = keyHint, !used.contains(hint) {
                        emit(hint)
                    } else if byte == 45 || count >= 12 {
                        emit(UInt8(ascii: "Q"))
                    } else if count == 1, byte == 48 {
                        // Never a pid: a transaction id outside a transaction, or no query id.
                        emit([UInt8(ascii: "x"), UInt8(ascii: "Q")].first { !used.contains($0) } ?? UInt8(ascii: "l"))
                    } else if used.contains(UInt8(ascii: "c")), !used.contains(UInt8(ascii: "l")) {
                        emit(UInt8(ascii: "l")) // `%c` already names the process
                    } else if !used.contains(UInt8(ascii: "p")) {
                        emit(UInt8(ascii: "p"))
                    } else if digits + 2 < text.count, text[digits] == 45, text[digits + 1] == 49,
                              text[digits + 2] == UInt8(ascii: "]"), !used.contains(UInt8(ascii: "l")) {
                        output += "%l-1" // `[%l-1]`, pgBadger's suggestion: the 1 is literal
                        used.insert(UInt8(ascii: "l"))
                        position = digits + 2
                        continue
                    } else {
                        emit([UInt8(ascii: "l"), UInt8(ascii: "x"), UInt8(ascii: "Q")].first { !used.contains($0) } ?? UInt8(ascii: "x"))
                    }
                    position = digits
                    continue
                }
            }
            // A dash that starts no number is a literal (`%t-%c-`).
            if !isSeparator(byte), byte != 45 {
                let wordEnd = valueEnd(from: position)
                let word = text[position ..< wordEnd]
                // Hex session ids with letters (`6632a1b0.1092`) and host names with ports.
                if let dot = word.firstIndex(of: 46), dot > position, word[..<dot].allSatisfy(isHex),
                   word[(dot + 1)...].allSatisfy(isHex), dot + 1 < wordEnd {
                    emit(UInt8(ascii: "c"))
                    position = wordEnd
                    continue
                }
                if word.allSatisfy({ ($0 >= 65 && $0 <= 90) }), word.count >= 3, !used.contains(UInt8(ascii: "i")) {
                    emit(UInt8(ascii: "i")) // a command tag: `SELECT`, `UPDATE waiting`
                    position = wordEnd
                    continue
                }
                if wordEnd < text.count, text[wordEnd] == UInt8(ascii: "@"), !used.contains(UInt8(ascii: "u")) {
                    output += "%u@"
                    used.insert(UInt8(ascii: "u"))
                    let databaseEnd = valueEnd(from: wordEnd + 1)
                    if databaseEnd > wordEnd + 1 || !used.contains(UInt8(ascii: "d")) { emit(UInt8(ascii: "d")) }
                    position = databaseEnd
                    continue
                }
                var escape = nextFreeField()
                if (escape == UInt8(ascii: "h") || escape == UInt8(ascii: "r")), wordEnd < text.count,
                   text[wordEnd] == UInt8(ascii: "(") {
                    // `host(port)`
                    let close = run(from: wordEnd + 1, while: isDigit)
                    if close < text.count, text[close] == UInt8(ascii: ")") {
                        escape = UInt8(ascii: "r")
                        emit(escape)
                        position = close + 1
                        continue
                    }
                }
                emit(escape)
                position = wordEnd
                continue
            }
            if byte == UInt8(ascii: "@"), !used.contains(UInt8(ascii: "u")) {
                // `%u@%d` with both empty (background processes).
                output += "%u@"
                used.insert(UInt8(ascii: "u"))
                position += 1
                let databaseEnd = valueEnd(from: position)
                emit(UInt8(ascii: "d"))
                position = databaseEnd
                continue
            }
            output += byte == UInt8(ascii: "%") ? "%%" : String(decoding: [byte], as: UTF8.self)
            position += 1
        }
        return output
    }

    private static func isWordStart(_ text: [UInt8], _ position: Int) -> Bool {
        position == 0 || isSeparator(text[position - 1])
    }

    private static func escape(forKey key: String) -> UInt8? {
        let escape: Character? = switch key.lowercased() {
        case "user", "usr", "u", "username", "user_name", "role": "u"
        case "db", "database", "dbname", "database_name", "d": "d"
        case "app", "appli", "application", "application_name", "appname", "a": "a"
        case "client", "remote", "r", "connection_from": "r"
        case "host", "h", "remote_host", "client_addr": "h"
        case "session", "sess", "c", "session_id", "sid": "c"
        case "queryid", "query_id", "qid", "q": "Q"
        case "pid", "p", "process_id": "p"
        case "ppid", "leader", "leader_pid": "P"
        case "xid", "tx", "txid", "x", "transaction_id": "x"
        case "vxid", "v", "virtual_transaction_id": "v"
        case "line", "l", "line_num", "session_line_num": "l"
        case "tag", "cmd", "command", "command_tag", "i", "ps": "i"
        case "backend", "backend_type", "b", "type": "b"
        case "sqlstate", "state", "e", "code", "sql_state_code": "e"
        case "local", "local_addr", "server": "L"
        default: nil
        }
        return escape?.asciiValue
    }
}
