import Foundation
import SargableCore

/// The log formats `sargable analyze` reads, detected from the content.
public enum LogFormat: String, Sendable, Codable, CaseIterable {
    case stderr, syslog, csvlog, jsonlog
    /// Google Cloud SQL's export: JSON lines whose `textPayload` is a stderr line.
    case cloudsql
    /// A pg_stat_statements export (CSV with a header, or JSON).
    case pgStatStatements = "pg_stat_statements"
}

/// Lines that could not be read: how many, and where the first ones are.
public struct UnreadableLines: Sendable, Codable {
    public var count = 0
    public var firstLines: [Int] = []
    public var example: String?

    mutating func record(line: Int, text: @autoclosure () -> String) {
        count += 1
        if firstLines.count < 10 { firstLines.append(line) }
        if example == nil { example = String(text().prefix(200)) }
    }
}

/// Reads one input into `LogEntry` values, whatever its format. The first lines decide the
/// format and, for stderr, the `log_line_prefix`; both can be stated instead.
public final class LogReader {
    public let path: String
    public private(set) var format: LogFormat
    public private(set) var prefix: LogLinePrefix?
    public private(set) var unreadable = UnreadableLines()
    /// Values refused on lines that were otherwise read (a pid or time out of range).
    public internal(set) var warnings = InputWarnings()
    /// Rows of a pg_stat_statements export (other formats give entries).
    public private(set) var statStatements: [StatStatementsRow] = []
    // From the input, not `lines`: this is read while `lines` is busy handing over a line.
    public var bytesConsumed: Int { input.bytesConsumed }
    public let input: LogInput

    private var lines: LogLineReader
    private var sample: [(line: Int, bytes: [UInt8])] = []
    private var deferredError: InputError?
    private var pending: LogEntry?
    private var csv: CSVRecordParser
    /// Set while the lines of an entry that went past `maximumEntryBytes` are being skipped.
    private var skippingOversizedEntry = false
    var statStatementsLines: [(line: Int, bytes: [UInt8])] = []
    private static let sampleLines = 400

    /// The largest entry (a csvlog record, or a stderr message with its continuation lines)
    /// held in memory: the same as the longest line, so that an unclosed quote or a runaway
    /// message cannot take the rest of the input with it.
    public static let maximumEntryBytes = InputFiles.maximumLineBytes
    let maximumEntryBytes: Int

    public convenience init(input: LogInput, format: LogFormat? = nil, prefix: LogLinePrefix? = nil) throws(InputError) {
        try self.init(input: input, format: format, prefix: prefix, maximumEntryBytes: Self.maximumEntryBytes)
    }

    /// `maximumEntryBytes` is smaller in tests, which cannot write 256 MiB records.
    init(input: LogInput, format: LogFormat?, prefix: LogLinePrefix?, maximumEntryBytes: Int) throws(InputError) {
        self.input = input
        self.maximumEntryBytes = maximumEntryBytes
        csv = CSVRecordParser(maximumRecordBytes: maximumEntryBytes)
        path = input.path
        lines = LogLineReader(input)
        do {
            while sample.count < Self.sampleLines, let bytes = try lines.next({ Array($0) }) {
                sample.append((lines.lineNumber, bytes))
            }
        } catch {
            // A truncated file: read what came before the damage, then report it.
            guard !sample.isEmpty else { throw error }
            deferredError = error
        }
        self.format = format ?? Self.detectFormat(sample.map(\.bytes))
        exampleLine = sample.first(where: { !$0.bytes.isEmpty }).map { String(decoding: $0.bytes.prefix(200), as: UTF8.self) }
        self.prefix = prefix
        if prefix == nil {
            switch self.format {
            case .stderr: prefixDetection = LogLinePrefix.detect(from: sample.map(\.bytes).filter { $0.first != 9 })
            case .syslog: prefixDetection = LogLinePrefix.detect(from: sample.compactMap { Self.syslogBody($0.bytes)?.body })
            case .cloudsql:
                prefixDetection = LogLinePrefix.detect(from: sample.compactMap { Self.jsonObject($0.bytes)?["textPayload"] as? String }
                    .map { Array($0.utf8.prefix(while: { $0 != 10 })) })
            default: break
            }
            self.prefix = prefixDetection?.prefix
        }
    }

    /// How the prefix was detected, when it was not stated.
    public private(set) var prefixDetection: PrefixDetection?

    /// A line from the sample that shows what the prefix had to match, for the "nothing matched" error.
    public private(set) var exampleLine: String?

    /// The time of the first entry that has one, from the lines read ahead (nil once `read`
    /// has started, or when the first lines have no times): orders rotated files.
    public var firstTime: Double? {
        for (_, bytes) in sample where !bytes.isEmpty && bytes.first != 9 {
            let time: Double? = bytes.withUnsafeBufferPointer { line in
                switch format {
                case .stderr: return prefix?.match(line)?.time
                case .syslog:
                    return Self.syslogBody(bytes).flatMap { body in body.body.withUnsafeBufferPointer { prefix?.match($0)?.time } }
                case .csvlog: return Self.startsCSVRecord(line) ? LogTimestamp.parse(line, at: 0)?.seconds : nil
                case .jsonlog, .cloudsql:
                    let record = Self.jsonObject(bytes).map { $0["record"] as? [String: Any] ?? $0 }
                    return (record?["timestamp"] as? String ?? record?["log_time"] as? String).flatMap(LogTimestamp.parse)
                case .pgStatStatements: return nil
                }
            }
            if let time { return time }
        }
        return nil
    }

    /// Reads the whole input, calling `body` with each entry in file order. `body` owns the
    /// entry: it is moved to it, not copied (an entry holds up to ten strings).
    public func read(_ body: (consuming LogEntry) -> Void) throws(InputError) {
        let buffered = sample
        sample = []
        for (number, bytes) in buffered {
            bytes.withUnsafeBufferPointer { handle(line: number, bytes: $0, body) }
        }
        if let error = deferredError {
            finish(body)
            throw error
        }
        while true {
            let number = lines.lineNumber + 1
            let more: Void?
            do {
                more = try lines.next { bytes in handle(line: number, bytes: bytes, body) }
            } catch {
                finish(body)
                throw error
            }
            if more == nil { break }
        }
        finish(body)
    }

    /// `read` on a thread of its own: splitting and matching lines overlaps with what `body` does
    /// with the entries, which it gets on this thread in the same order. `bytesRead` is the input
    /// read up to the entry handed over. Only `body` may run while this does.
    public func readConcurrently(_ body: (_ entry: LogEntry, _ bytesRead: Int) -> Void) throws(InputError) {
        let queue = BoundedQueue<(entries: [LogEntry], bytesRead: Int)>(capacity: 8)
        let reader = UncheckedReader(self)
        let reading = WorkerThreads.start(stackBytes: 16 << 20) { () -> InputError? in
            var batch: [LogEntry] = []
            batch.reserveCapacity(Self.batchEntries)
            defer { queue.close() }
            let outcome = Result { () throws(InputError) in
                try reader.value.read { entry in
                    batch.append(entry)
                    guard batch.count >= Self.batchEntries else { return }
                    queue.push((batch, reader.value.bytesConsumed))
                    batch.removeAll(keepingCapacity: true)
                }
            }
            queue.push((batch, reader.value.bytesConsumed))
            if case .failure(let error) = outcome { return error }
            return nil
        }
        while let (entries, bytesRead) = queue.pop() {
            // Lent from the batch, not copied out of it: an entry holds up to ten strings.
            entries.withUnsafeBufferPointer { batch in
                for index in batch.indices { body(batch[index], bytesRead) }
            }
        }
        if let error = reading.join() { throw error }
    }

    private static let batchEntries = 2048

    /// Hands the reader to the reading thread; the caller touches it again only after the join.
    private struct UncheckedReader: @unchecked Sendable {
        let value: LogReader
        init(_ value: LogReader) { self.value = value }
    }

    private func handle(line: Int, bytes: UnsafeBufferPointer<UInt8>, _ body: (consuming LogEntry) -> Void) {
        switch format {
        case .stderr: stderrLine(line: line, bytes: bytes, time: nil, body)
        case .syslog: syslogLine(line: line, bytes: bytes, body)
        case .csvlog: csvLine(line: line, bytes: bytes, body)
        case .jsonlog, .cloudsql: jsonLine(line: line, bytes: bytes, body)
        case .pgStatStatements: statStatementsLine(line: line, bytes: bytes)
        }
    }

    private func finish(_ body: (consuming LogEntry) -> Void) {
        handOver(body)
        if format == .csvlog, csv.isInsideQuotes, !skippingOversizedEntry {
            unreadable.record(line: csv.recordLine, text: "unterminated quoted field")
        }
        if format == .pgStatStatements { finishStatStatements() }
    }

    /// Gives `body` the pending entry, moved out rather than copied (an entry holds up to ten strings).
    private func handOver(_ body: (consuming LogEntry) -> Void) {
        if let entry = pending.take() { body(entry) }
    }

    func recordUnreadable(line: Int, text: String) { unreadable.record(line: line, text: text) }
    func appendStatStatements(_ row: StatStatementsRow) { statStatements.append(row) }

    // MARK: stderr

    /// Adds a continuation line to the pending message, unless that makes it longer than
    /// `maximumEntryBytes`: then the entry is dropped with a warning naming its first line, and
    /// its remaining lines are skipped until the next entry starts.
    private func continuePending(_ text: UnsafeBufferPointer<UInt8>, separator: String, line: Int) {
        guard !skippingOversizedEntry else { return }
        // Fields read in place: a copy of the entry would make the append below copy the message.
        guard let entryLine = pending?.line, let messageBytes = pending?.message.utf8.count else {
            return unreadable.record(line: line, text: String(decoding: text, as: UTF8.self))
        }
        guard messageBytes + separator.utf8.count + text.count <= maximumEntryBytes else {
            warnings.record(line: entryLine, Self.oversizedEntry("entry", limit: maximumEntryBytes, then: "reading resumes at the next line with a log_line_prefix"))
            pending = nil
            skippingOversizedEntry = true
            return
        }
        pending?.message += separator
        pending?.message += String(decoding: text, as: UTF8.self)
    }

    static func oversizedEntry(_ kind: String, limit: Int, then: String) -> String {
        "\(kind) is longer than \(InputFiles.byteCount(limit)); it is skipped and \(then)"
    }

    private static let unknownValue = Array("[unknown]".utf8)

    private func stderrLine(line: Int, bytes: UnsafeBufferPointer<UInt8>, time: Double?, _ body: (consuming LogEntry) -> Void) {
        // PostgreSQL starts every continuation line with a tab; edited logs sometimes have spaces.
        if bytes.first == 9 || (bytes.first == 32 && (pending != nil || skippingOversizedEntry) && prefix?.match(bytes) == nil) {
            let text = bytes.first == 9 ? bytes.dropFirst() : bytes[...]
            continuePending(UnsafeBufferPointer(rebasing: text), separator: "\n", line: line)
            return
        }
        var match = LogLinePrefix.Match()
        guard let prefix, prefix.match(bytes, into: &match) else {
            if !bytes.isEmpty, !skippingOversizedEntry { unreadable.record(line: line, text: String(decoding: bytes, as: UTF8.self)) }
            return
        }
        skippingOversizedEntry = false
        handOver(body)
        if let (field, range, refusal) = match.refused {
            let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            warnings.record(line: line, LogNumber.describe(field.description, value, refusal))
        }
        func text(_ range: Range<Int>?) -> String? {
            guard var range, !range.isEmpty else { return nil }
            // Padded escapes (`%-10u`) add spaces around the value.
            while !range.isEmpty, bytes[range.lowerBound] == 32 { range = range.dropFirst() }
            while !range.isEmpty, bytes[range.upperBound - 1] == 32 { range = range.dropLast() }
            guard !range.isEmpty else { return nil }
            let value = UnsafeBufferPointer(rebasing: bytes[range])
            // Before authentication PostgreSQL prints `[unknown]` for the user, database and
            // application. Compared as bytes: no string is made for it.
            guard value.count != Self.unknownValue.count || !value.elementsEqual(Self.unknownValue) else { return nil }
            return String(decoding: value, as: UTF8.self)
        }
        pending = LogEntry(line: line, time: match.time ?? time, pid: match.pidValue, sessionID: text(match.session),
                           user: text(match.user), database: text(match.database), application: text(match.application),
                           severity: match.severity,
                           message: String(decoding: UnsafeBufferPointer(rebasing: bytes[match.messageStart...]), as: UTF8.self),
                           sqlState: text(match.sqlState), host: text(match.host))
    }

    // MARK: syslog

    /// `Feb 11 13:15:39 host postgres[10808]: [7-2] body`: the pid, the part number and the body.
    static func syslogBody(_ bytes: [UInt8]) -> (pid: Int?, part: Int, body: [UInt8])? {
        bytes.withUnsafeBufferPointer { buffer in
            guard buffer.count > 16, buffer[3] == 32, buffer[6] == 32, buffer[9] == 58, buffer[12] == 58, buffer[15] == 32,
                  let colon = (16 ..< buffer.count).first(where: { buffer[$0] == 58 && $0 + 1 < buffer.count && buffer[$0 + 1] == 32 })
            else { return nil }
            var pid: Int?
            if buffer[colon - 1] == 93, let open = (16 ..< colon).last(where: { buffer[$0] == 91 }) {
                pid = Int(String(decoding: UnsafeBufferPointer(rebasing: buffer[(open + 1) ..< (colon - 1)]), as: UTF8.self))
            }
            var position = colon + 2
            var part = 1
            if position < buffer.count, buffer[position] == 91,
               let close = (position ..< buffer.count).first(where: { buffer[$0] == 93 }) {
                let label = String(decoding: UnsafeBufferPointer(rebasing: buffer[(position + 1) ..< close]), as: UTF8.self)
                if let dash = label.firstIndex(of: "-"), let number = Int(label[label.index(after: dash)...]) { part = number }
                position = min(close + 2, buffer.count)
            }
            return (pid, part, Array(buffer[position...]))
        }
    }

    private func syslogLine(line: Int, bytes: UnsafeBufferPointer<UInt8>, _ body: (consuming LogEntry) -> Void) {
        guard let (pid, part, content) = Self.syslogBody(Array(bytes)) else {
            if !bytes.isEmpty { unreadable.record(line: line, text: String(decoding: bytes, as: UTF8.self)) }
            return
        }
        if part > 1 {
            // Continuations: `#011` is the escaped tab PostgreSQL put after a newline; without it
            // syslog split one long line.
            guard pending != nil || skippingOversizedEntry else {
                return unreadable.record(line: line, text: String(decoding: bytes, as: UTF8.self))
            }
            let tab = Array("#011".utf8)
            let escapedNewline = content.starts(with: tab)
            content.withUnsafeBufferPointer { text in
                continuePending(UnsafeBufferPointer(rebasing: text[(escapedNewline ? tab.count : 0)...]),
                                separator: escapedNewline ? "\n" : "", line: line)
            }
            return
        }
        content.withUnsafeBufferPointer { stderrLine(line: line, bytes: $0, time: nil, body) }
        if pending?.line == line, pending?.pid == nil { pending?.pid = pid }
    }

    // MARK: csvlog

    private func csvLine(line: Int, bytes: UnsafeBufferPointer<UInt8>, _ body: (consuming LogEntry) -> Void) {
        if skippingOversizedEntry {
            guard Self.startsCSVRecord(bytes) else { return }
            skippingOversizedEntry = false
        }
        let fields: [String]
        switch csv.feed(line: line, bytes) {
        case .incomplete: return
        case .record(let record): fields = record
        case .tooLong(let start):
            warnings.record(line: start, Self.oversizedEntry("csvlog record (an unclosed quote?)", limit: maximumEntryBytes,
                                                             then: "reading resumes at the next line that starts with a timestamp and a comma"))
            skippingOversizedEntry = true
            return
        }
        // PostgreSQL 13–17 write 23 to 26 columns; the first 23 keep their places.
        guard fields.count >= 23, let severity = LogSeverity.parse(fields[11].utf8) else {
            return unreadable.record(line: csv.recordLine, text: String(decoding: bytes, as: UTF8.self))
        }
        func field(_ index: Int) -> String? { fields[index].isEmpty ? nil : fields[index] }
        body(LogEntry(line: csv.recordLine, time: time(fields[0], field: "log_time", line: csv.recordLine),
                      pid: processID(fields[3], line: csv.recordLine),
                      sessionID: field(5), user: field(1), database: field(2), application: field(22),
                      severity: severity, message: fields[13], detail: field(14), statement: field(19),
                      context: field(18), sqlState: field(12), host: field(4)))
    }

    /// A csvlog or jsonlog pid: refused with a warning when it cannot be one; the entry still counts.
    private func processID(_ text: String, line: Int) -> Int? {
        switch LogNumber.processID(text) {
        case .success(let pid): return pid
        case .failure(let refusal):
            warnings.record(line: line, LogNumber.describe("pid", text, refusal))
            return nil
        }
    }

    /// A csvlog or jsonlog timestamp; one that does not read as a time is left out with a warning.
    private func time(_ text: String, field: String, line: Int) -> Double? {
        if let seconds = LogTimestamp.parse(text) { return seconds }
        warnings.record(line: line, LogNumber.describe(field, text, .notATimestamp))
        return nil
    }

    // MARK: jsonlog

    static func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
        guard bytes.first == UInt8(ascii: "{") else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    private func jsonLine(line: Int, bytes: UnsafeBufferPointer<UInt8>, _ body: (consuming LogEntry) -> Void) {
        guard !bytes.isEmpty else { return }
        guard let object = Self.jsonObject(Array(bytes)) else {
            return unreadable.record(line: line, text: String(decoding: bytes, as: UTF8.self))
        }
        if let payload = object["textPayload"] as? String {
            let time = (object["timestamp"] as? String).flatMap { self.time($0, field: "timestamp", line: line) }
            for (offset, text) in payload.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var copy = String(text)
                copy.withUTF8 { stderrLine(line: line, bytes: $0, time: time, body) }
                if offset == 0, pending?.line == line, pending?.time == nil { pending?.time = time }
            }
            return
        }
        // CloudNativePG wraps PostgreSQL's jsonlog record (its keys are the csvlog column names)
        // between its own operator messages, which are not PostgreSQL's and are skipped.
        if object["record"] == nil, object["error_severity"] == nil, object["msg"] != nil { return }
        let record = object["record"] as? [String: Any] ?? object
        /// The first of `keys` present, even when empty: numbers and times are checked by their reader.
        func value(_ keys: [String]) -> String? {
            for key in keys {
                if let value = record[key] as? String { return value }
                if let value = record[key] as? NSNumber { return value.stringValue }
            }
            return nil
        }
        func string(_ keys: String...) -> String? { value(keys).flatMap { $0.isEmpty ? nil : $0 } }
        guard let severityText = string("error_severity"), let severity = LogSeverity.parse(severityText.utf8),
              let message = string("message")
        else { return unreadable.record(line: line, text: String(decoding: bytes, as: UTF8.self)) }
        body(LogEntry(line: line, time: value(["timestamp", "log_time"]).flatMap { time($0, field: "timestamp", line: line) },
                      pid: value(["pid", "process_id"]).flatMap { processID($0, line: line) }, sessionID: string("session_id"),
                      user: string("user", "user_name"), database: string("dbname", "database_name"),
                      application: string("application_name"), severity: severity, message: message,
                      detail: string("detail"), statement: string("statement", "query"), context: string("context"),
                      sqlState: string("state_code"), host: string("remote_host")))
    }

    // MARK: detection

    static func detectFormat(_ lines: [[UInt8]]) -> LogFormat {
        guard let first = lines.first(where: { !$0.isEmpty }) else { return .stderr }
        if first.first == UInt8(ascii: "[") { return .pgStatStatements }
        if let object = jsonObject(first) {
            if object["textPayload"] != nil { return .cloudsql }
            if object["calls"] != nil, object["query"] != nil { return .pgStatStatements }
            return .jsonlog
        }
        let header = String(decoding: first, as: UTF8.self).lowercased()
        if !first.contains(where: { $0 >= 48 && $0 <= 57 }) || header.hasPrefix("userid") || header.hasPrefix("queryid") {
            let columns = header.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            if columns.contains("query"), columns.contains("calls") { return .pgStatStatements }
        }
        var csvVotes = 0, syslogVotes = 0
        for line in lines.prefix(50) {
            line.withUnsafeBufferPointer { bytes in
                if startsCSVRecord(bytes) {
                    csvVotes += 1
                } else if LogTimestamp.parse(bytes, at: 0) == nil, syslogBody(line) != nil {
                    syslogVotes += 1
                }
            }
        }
        if csvVotes > 0 { return .csvlog }
        if syslogVotes > 0 { return .syslog }
        return .stderr
    }
}

extension LogReader {
    /// A csvlog record starts with its `log_time` and a comma: `2024-05-01 12:00:00.123 UTC,`.
    static func startsCSVRecord(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let (_, end) = LogTimestamp.parse(bytes, at: 0) else { return false }
        var position = end
        while position < bytes.count, LogLinePrefix.isZoneByte(bytes[position]) || bytes[position] == 32 {
            if bytes[position] == 32, position + 1 < bytes.count, !LogLinePrefix.isZoneByte(bytes[position + 1]) { break }
            position += 1
        }
        return position < bytes.count && bytes[position] == UInt8(ascii: ",")
    }
}

/// RFC 4180 records that may span lines (quoted fields keep their newlines), at most
/// `maximumRecordBytes` long.
struct CSVRecordParser {
    enum Outcome {
        /// The line ended inside a quoted field: the record goes on.
        case incomplete
        case record([String])
        /// The record went past the limit; it is dropped and the parser is ready for a new one.
        case tooLong(startLine: Int)
    }

    let maximumRecordBytes: Int
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var recordBytes = 0
    private(set) var isInsideQuotes = false
    private(set) var recordLine = 0

    init(maximumRecordBytes: Int) { self.maximumRecordBytes = maximumRecordBytes }

    /// Feeds one line; returns the record's fields when the line completed one.
    mutating func feed(line: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        if !isInsideQuotes {
            fields.removeAll(keepingCapacity: true)
            field.removeAll(keepingCapacity: true)
            recordBytes = 0
            recordLine = line
            if bytes.isEmpty { return .incomplete }
        } else {
            field.append(10)
        }
        recordBytes += bytes.count + 1
        if recordBytes > maximumRecordBytes {
            isInsideQuotes = false
            // Give the memory back: the next record is an ordinary one.
            fields = []
            field = []
            return .tooLong(startLine: recordLine)
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if isInsideQuotes {
                if byte == 34 {
                    if index + 1 < bytes.count, bytes[index + 1] == 34 {
                        field.append(34)
                        index += 1
                    } else {
                        isInsideQuotes = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == 34 {
                isInsideQuotes = true
            } else if byte == 44 {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            } else {
                field.append(byte)
            }
            index += 1
        }
        if isInsideQuotes { return .incomplete }
        fields.append(String(decoding: field, as: UTF8.self))
        return .record(fields)
    }
}
