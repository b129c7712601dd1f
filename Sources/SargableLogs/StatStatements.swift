import Foundation

/// One row of a pg_stat_statements export: an already aggregated statement.
public struct StatStatementsRow: Sendable {
    public var line: Int
    public var query: String
    public var calls: Int
    public var totalMs: Double
    public var maxMs: Double?

    enum Unreadable: Error {
        case missingQueryOrCalls
        /// A required value that cannot be used: the row is skipped with this warning.
        case refused(String)
    }

    /// Maps a row by column name across versions 13–17 (`total_time` became `total_exec_time`).
    /// A time that is not a finite, non-negative number is left out with a warning (`warn`).
    init(line: Int, value: (String) -> String?, warn: (String) -> Void) throws(Unreadable) {
        guard let query = value("query"), let callsText = value("calls") else { throw .missingQueryOrCalls }
        let calls: Int
        switch LogNumber.count(callsText) {
        case .success(let count): calls = count
        case .failure(let refusal): throw .refused(LogNumber.describe("calls", callsText, refusal) + "; row skipped")
        }
        self.calls = calls
        self.line = line
        self.query = query
        func milliseconds(_ names: String...) -> Double? {
            guard let name = names.first(where: { value($0) != nil }), let text = value(name) else { return nil }
            switch LogNumber.milliseconds(text) {
            case .success(let milliseconds): return milliseconds
            case .failure(let refusal):
                warn(LogNumber.describe(name, text, refusal) + "; left out")
                return nil
            }
        }
        let total = milliseconds("total_exec_time", "total_time")
        let mean = milliseconds("mean_exec_time", "mean_time")
        // Both factors are bounded (1e16 ms, Int.max calls): the product stays finite.
        totalMs = total ?? mean.map { $0 * Double(calls) } ?? 0
        maxMs = milliseconds("max_exec_time", "max_time")
    }
}

extension LogReader {
    func statStatementsLine(line: Int, bytes: UnsafeBufferPointer<UInt8>) {
        statStatementsLines.append((line, Array(bytes)))
    }

    func finishStatStatements() {
        let lines = statStatementsLines
        statStatementsLines = []
        guard let first = lines.first(where: { !$0.bytes.isEmpty }) else { return }
        if first.bytes.first == UInt8(ascii: "[") || first.bytes.first == UInt8(ascii: "{") {
            readStatStatementsJSON(lines)
        } else {
            readStatStatementsCSV(lines)
        }
    }

    private func readStatStatementsJSON(_ lines: [(line: Int, bytes: [UInt8])]) {
        var objects: [(Int, [String: Any])] = []
        let data = Data(lines.flatMap { $0.bytes + [10] })
        if lines.first(where: { !$0.bytes.isEmpty })?.bytes.first == UInt8(ascii: "["),
           let array = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] {
            objects = array.enumerated().map { ($0.offset + 1, $0.element) }
        } else {
            // JSON lines, or an array one bad value (`1e400`) made unreadable as a whole: psql's
            // `json_agg` puts each element on its own line, so the other rows are still read.
            for (line, bytes) in lines {
                var element = bytes[...]
                while let first = element.first, first == UInt8(ascii: "[") || first == 32 || first == 9 { element.removeFirst() }
                while let last = element.last, last == UInt8(ascii: ",") || last == UInt8(ascii: "]") || last == 32 || last == 9 {
                    element.removeLast()
                }
                guard !element.isEmpty else { continue }
                guard let object = Self.jsonObject(Array(element)) else {
                    recordUnreadable(line: line, text: String(decoding: bytes, as: UTF8.self))
                    continue
                }
                objects.append((line, object))
            }
        }
        for (line, object) in objects {
            readStatStatementsRow(line: line, text: "row without query and calls") { key in
                if let text = object[key] as? String { return text }
                if let number = object[key] as? NSNumber { return number.stringValue }
                return nil
            }
        }
    }

    private func readStatStatementsCSV(_ lines: [(line: Int, bytes: [UInt8])]) {
        var parser = CSVRecordParser(maximumRecordBytes: maximumEntryBytes)
        var header: [String: Int]?
        for (line, bytes) in lines {
            let fields: [String]
            switch bytes.withUnsafeBufferPointer({ parser.feed(line: line, $0) }) {
            case .incomplete: continue
            case .record(let record): fields = record
            case .tooLong(let start):
                // A row cannot be told from the next without its closing quote: the rest is lost.
                warnings.record(line: start, Self.oversizedEntry("pg_stat_statements row (an unclosed quote?)",
                                                                 limit: maximumEntryBytes, then: "so are the rows after it"))
                return
            }
            guard let columns = header else {
                header = Dictionary(fields.enumerated().map { ($0.element.lowercased(), $0.offset) }, uniquingKeysWith: { a, _ in a })
                continue
            }
            readStatStatementsRow(line: parser.recordLine, text: String(decoding: bytes, as: UTF8.self)) { key in
                guard let index = columns[key], index < fields.count else { return nil }
                return fields[index]
            }
        }
    }

    private func readStatStatementsRow(line: Int, text: @autoclosure () -> String, value: (String) -> String?) {
        do throws(StatStatementsRow.Unreadable) {
            appendStatStatements(try StatStatementsRow(line: line, value: value) { warnings.record(line: line, $0) })
        } catch {
            switch error {
            case .missingQueryOrCalls: recordUnreadable(line: line, text: text())
            case .refused(let reason): warnings.record(line: line, reason)
            }
        }
    }
}
