import Foundation

/// One row of a pg_stat_statements export: an already aggregated statement.
public struct StatStatementsRow: Sendable {
    public var line: Int
    public var query: String
    public var calls: Int
    public var totalMs: Double
    public var maxMs: Double?

    /// Maps a row by column name across versions 13–17 (`total_time` became `total_exec_time`).
    init?(line: Int, value: (String) -> String?) {
        guard let query = value("query"), let calls = value("calls").flatMap({ Int($0) ?? Double($0).map { Int(saturating: $0) } }) else {
            return nil
        }
        self.line = line
        self.query = query
        self.calls = calls
        let total = value("total_exec_time") ?? value("total_time")
        let mean = value("mean_exec_time") ?? value("mean_time")
        totalMs = total.flatMap(Double.init) ?? mean.flatMap(Double.init).map { $0 * Double(calls) } ?? 0
        maxMs = (value("max_exec_time") ?? value("max_time")).flatMap(Double.init)
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
        if lines.first(where: { !$0.bytes.isEmpty })?.bytes.first == UInt8(ascii: "[") {
            let data = Data(lines.flatMap { $0.bytes + [10] })
            guard let array = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                return recordUnreadable(line: lines.first?.line ?? 1, text: "not a JSON array of objects")
            }
            objects = array.enumerated().map { ($0.offset + 1, $0.element) }
        } else {
            for (line, bytes) in lines where !bytes.isEmpty {
                guard let object = Self.jsonObject(bytes) else {
                    recordUnreadable(line: line, text: String(decoding: bytes, as: UTF8.self))
                    continue
                }
                objects.append((line, object))
            }
        }
        for (line, object) in objects {
            let row = StatStatementsRow(line: line) { key in
                if let text = object[key] as? String { return text }
                if let number = object[key] as? NSNumber { return number.stringValue }
                return nil
            }
            if let row { appendStatStatements(row) } else { recordUnreadable(line: line, text: "row without query and calls") }
        }
    }

    private func readStatStatementsCSV(_ lines: [(line: Int, bytes: [UInt8])]) {
        var parser = CSVRecordParser()
        var header: [String: Int]?
        for (line, bytes) in lines {
            guard let fields = bytes.withUnsafeBufferPointer({ parser.feed(line: line, $0) }) else { continue }
            guard let columns = header else {
                header = Dictionary(fields.enumerated().map { ($0.element.lowercased(), $0.offset) }, uniquingKeysWith: { a, _ in a })
                continue
            }
            let row = StatStatementsRow(line: parser.recordLine) { key in
                guard let index = columns[key], index < fields.count else { return nil }
                return fields[index]
            }
            if let row { appendStatStatements(row) } else {
                recordUnreadable(line: parser.recordLine, text: String(decoding: bytes, as: UTF8.self))
            }
        }
    }
}
