import Foundation
import SargableLogs
import Testing

struct ReaderTests {
    static let sampleLog = TestPaths.samples + "/app.log"

    /// The sample log's lines, rewritten with another prefix: what the same server would have
    /// written with PostgreSQL's default `%m [%p] ` (user@db removed).
    static func withDefaultPrefix() throws -> [UInt8] {
        let text = try String(contentsOfFile: sampleLog, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let close = line.range(of: "] ") else { return String(line) }
            let rest = line[close.upperBound...]
            guard let space = rest.firstIndex(of: " "), rest[..<space].contains("@") else { return String(line) }
            return String(line[..<close.upperBound]) + rest[rest.index(after: space)...]
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    @Test func infersPostgreSQLsDefaultPrefix() throws {
        let path = try TestPaths.temporaryFile("default.log", contents: Self.withDefaultPrefix())
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty)
        #expect(report.summary.logLinePrefix == "%m [%p] ")
        #expect(report.summary.executions == analyze([Self.sampleLog]).report.summary.executions)
        #expect(report.findings.count == 7)
    }

    @Test func statedPrefixIsUsed() {
        var settings = LogAnalysis.Settings()
        settings.prefix = LogLinePrefix("%m [%p] %q%u@%d ")
        let (report, problems) = analyze([Self.sampleLog], settings: settings)
        #expect(problems.isEmpty)
        #expect(report.summary.logLinePrefix == "%m [%p] %q%u@%d ")
        #expect(report.summary.executions == 73)
    }

    @Test func aWrongPrefixSaysWhichOneWouldFit() throws {
        var settings = LogAnalysis.Settings()
        settings.prefix = LogLinePrefix("%t [%p]: user=%u,db=%d ")
        let (report, problems) = analyze([Self.sampleLog], settings: settings)
        #expect(report.summary.executions == 0)
        let problem = try #require(problems.first)
        #expect(problem.message.contains("no stderr entries could be read with log_line_prefix '%t [%p]: user=%u,db=%d '"))
        #expect(problem.message.hasSuffix("which needs --log-line-prefix '%m [%p] '"))
    }

    @Test func unreadableLinesAreCountedAndTheRestIsRead() throws {
        var lines = try String(contentsOfFile: Self.sampleLog, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.utf8) }
        // Binary junk, a line cut in the middle of its prefix, and a message kind nobody knows.
        lines.insert([0xFF, 0xFE, 0x00, 0x41, 0xC3], at: 10)
        lines.insert(Array("2026-11-28 01:40:00.1".utf8), at: 20)
        lines.insert(Array("2026-11-28 01:40:00.100 UTC [1] postgres@postgres BOGUS:  what".utf8), at: 30)
        let path = try TestPaths.temporaryFile("junk.log", contents: Array(lines.joined(separator: [10])))
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty)
        #expect(report.summary.unreadableLines == 3)
        #expect(report.summary.files.first?.unreadableLineNumbers == [11, 21, 31])
        #expect(report.summary.executions == 73)
    }

    @Test(arguments: [("gzip", ".gz"), ("bzip2", ".bz2")])
    func compressedInputIsReadInProcess(tool: String, suffix: String) throws {
        let copy = try TestPaths.temporaryFile("app.log", contents: Array(FileManager.default.contents(atPath: Self.sampleLog) ?? Data()))
        try #require(try TestPaths.run("/usr/bin/env", [tool, "-k", copy]) == 0)
        let (report, problems) = analyze([copy + suffix])
        #expect(problems.isEmpty)
        #expect(report.summary.files.first?.compression == tool)
        #expect(report.summary.executions == 73)
        #expect(report.findings.count == 7)
    }

    /// gzip decodes up to the cut; bzip2 only whole 900 kB blocks, so a small file gives nothing.
    @Test(arguments: [("gzip", ".gz", true), ("bzip2", ".bz2", false)])
    func truncatedCompressedInputIsAProblemAndWhatWasReadCounts(tool: String, suffix: String, partial: Bool) throws {
        let copy = try TestPaths.temporaryFile("cut.log", contents: Array(FileManager.default.contents(atPath: Self.sampleLog) ?? Data()))
        try #require(try TestPaths.run("/usr/bin/env", [tool, copy]) == 0)
        let whole = try #require(FileManager.default.contents(atPath: copy + suffix))
        try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: copy + suffix))
        let (report, problems) = analyze([copy + suffix])
        #expect(problems.map(\.message) == ["\(tool) data is truncated"])
        #expect((report.summary.executions > 0) == partial)
        #expect(report.summary.executions < 73)
    }

    @Test func severalFilesKeepTheirSessionsApart() {
        let (report, _) = analyze([Self.sampleLog, TestPaths.samples + "/app.csv"])
        #expect(report.summary.executions == 146)
        #expect(report.summary.format == "mixed")
        #expect(report.findings.filter { $0.rule == "n-plus-one" }.count == 10)
        #expect(Set(report.findings.compactMap(\.finding.file)).count == 2)
    }

    @Test func aMissingFileIsAProblemAndTheOthersAreRead() {
        let (report, problems) = analyze(["/nonexistent/postgresql.log", Self.sampleLog])
        #expect(problems.map(\.description) == ["/nonexistent/postgresql.log: No such file or directory"])
        #expect(report.summary.executions == 73)
    }
}

/// `log_line_prefix` inference on the prefixes people use.
struct PrefixInferenceTests {
    @Test(arguments: [
        ("2024-05-01 12:00:00.123 UTC [4242] LOG:  duration: 1.000 ms  statement: SELECT 1", "%m [%p] "),
        ("2024-05-01 12:00:00.123 CEST [4242] app@shop LOG:  duration: 1.000 ms  statement: SELECT 1", "%m [%p] %u@%d "),
        ("2024-05-01 12:00:00 UTC [4242]: [3-1] user=app,db=shop,app=psql,client=10.0.0.1 LOG:  duration: 1.000 ms  statement: SELECT 1",
         "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h "),
        ("2024-05-01 12:00:00 UTC:10.0.0.1(5432):app@shop:[4242]:LOG:  duration: 1.000 ms  statement: SELECT 1", "%t:%r:%u@%d:[%p]:"),
        ("2024-05-01 12:00:00.123 UTC 6632a1b0.1092 LOG:  duration: 1.000 ms  statement: SELECT 1", "%m %c "),
    ])
    func infers(line: String, prefix: String) throws {
        let inferred = try #require(LogLinePrefix.infer(from: [Array(line.utf8)]))
        #expect(inferred.text == prefix)
    }

    @Test func backgroundLinesWithoutUserAndDatabaseStillMatchDebiansPrefix() throws {
        let lines = [
            "2024-05-01 12:00:00.100 UTC [10] LOG:  checkpoint starting: time",
            "2024-05-01 12:00:00.123 UTC [4242] app@shop LOG:  duration: 1.000 ms  statement: SELECT 1",
            "2024-05-01 12:00:00.124 UTC [4243] app@shop LOG:  duration: 2.000 ms  statement: SELECT 2",
        ].map { Array($0.utf8) }
        let prefix = try #require(LogLinePrefix.infer(from: lines))
        #expect(prefix.text == "%m [%p] %u@%d ")
    }
}

/// Progress is reported from inside the read loop (this once tripped Swift's exclusivity check).
struct ProgressTests {
    final class Calls: @unchecked Sendable {
        var values: [(Int, Int?)] = []
        let lock = NSLock()
    }

    @Test func progressIsReportedWhileReading() throws {
        let sample = try Data(contentsOf: URL(fileURLWithPath: ReaderTests.sampleLog))
        let copies = (9 << 20) / sample.count + 1
        let path = try TestPaths.temporaryFile("big.log", contents: Array(repeating: Array(sample), count: copies).flatMap { $0 })
        let calls = Calls()
        let (report, problems) = LogAnalysis.run(paths: [path]) { _, bytes, total in
            calls.lock.lock()
            calls.values.append((bytes, total))
            calls.lock.unlock()
        }
        #expect(problems.isEmpty)
        #expect(report.summary.executions == 73 * copies)
        #expect(!calls.values.isEmpty)
        #expect(calls.values.allSatisfy { $0.0 >= 8 << 20 && $0.1 == sample.count * copies })
    }
}
