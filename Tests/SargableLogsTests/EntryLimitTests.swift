import Foundation
@testable import SargableLogs
import Testing

/// An entry longer than the reader's limit (256 MiB; a few hundred bytes here) is dropped with a
/// warning naming its first line, and reading resumes at the next entry.
struct EntryLimitTests {
    struct Read {
        var entries: [LogEntry] = []
        var warnings: [(line: Int, message: String)] = []
        var unreadable = 0
    }

    static func read(_ path: String, limit: Int) throws -> Read {
        let reader = try LogReader(input: LogInput(path: path), format: nil, prefix: nil, maximumEntryBytes: limit)
        var result = Read()
        try reader.read { result.entries.append($0) }
        result.warnings = reader.warnings.first
        result.unreadable = reader.unreadable.count
        return result
    }

    static func summary(_ entry: LogEntry) -> String { "\(entry.line) \(entry.message)" }

    @Test func aCSVRecordWithAnUnclosedQuoteEndsAtTheLimit() throws {
        let samplePath = TestPaths.samples + "/app.csv"
        // Larger than every record of the sample (the largest is an auto_explain plan of 3 KB).
        let limit = 8192
        let whole = try Self.read(samplePath, limit: limit)
        try #require(whole.warnings.isEmpty && whole.unreadable == 0)
        var lines = try String(contentsOfFile: samplePath, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // An unclosed quote keeps the record open until a line with an odd number of quotes
        // (the start or end of a multi-line field); pick one with more than `limit` bytes before it.
        func bytesUntilAQuoteCloses(from index: Int) -> Int {
            var bytes = 0
            for line in lines[(index + 1)...] {
                if line.utf8.filter({ $0 == 34 }).count % 2 == 1 { break }
                bytes += line.utf8.count + 1
            }
            return bytes
        }
        let broken = try #require(lines.indices.first {
            lines[$0].contains("host=[local]\",") && bytesUntilAQuoteCloses(from: $0) > limit
        })
        lines[broken] = lines[broken].replacingOccurrences(of: "host=[local]\",", with: "host=[local],")
        let path = try TestPaths.temporaryFile("unclosed.csv", contents: Array(lines.joined(separator: "\n").utf8))
        let read = try Self.read(path, limit: limit)

        // The record goes past the limit on line `overflow`; the next record starts after it.
        var bytes = 0
        var overflow = broken
        while bytes + lines[overflow].utf8.count + 1 <= limit {
            bytes += lines[overflow].utf8.count + 1
            overflow += 1
        }
        let resume = try #require(lines.indices.first { $0 > overflow && lines[$0].hasPrefix("2026-") }) + 1
        let expected = whole.entries.filter { $0.line <= broken || $0.line >= resume }.map(Self.summary)
        #expect(read.warnings.map(\.line) == [broken + 1])
        #expect(read.warnings.first?.message.hasPrefix("csvlog record (an unclosed quote?) is longer than 8 KiB") == true)
        #expect(read.entries.map(Self.summary) == expected)
        #expect(read.entries.count < whole.entries.count - 1)
        #expect(read.unreadable == 0)
    }

    @Test func aMultiLineStderrEntryEndsAtTheLimit() throws {
        let path = TestPaths.samples + "/app.log"
        let limit = 150
        let read = try Self.read(path, limit: limit)
        let whole = try Self.read(path, limit: LogReader.maximumEntryBytes)
        let tooLong = whole.entries.filter { $0.message.contains("\n") && $0.message.utf8.count > limit }
        #expect(tooLong.contains { $0.message.contains("CREATE TABLE users") })
        #expect(read.warnings.map(\.line) == tooLong.map(\.line))
        #expect(read.warnings.allSatisfy { $0.message.hasPrefix("entry is longer than 150 bytes; it is skipped") })
        let dropped = Set(tooLong.map(\.line))
        #expect(read.entries.map(Self.summary) == whole.entries.filter { !dropped.contains($0.line) }.map(Self.summary))
        // The skipped continuation lines are part of the dropped entry, not unreadable lines.
        #expect(read.unreadable == 0)
    }
}
