import Foundation
@testable import SargableLogs
import SargablePostgres
import SargableSyntax
import Testing

/// `--format summary` and `--merge` on a log a PostgreSQL 15 wrote: the log is split at a line
/// boundary in the middle of an N+1 loop (a rotation), each part is summarized alone, and the
/// merged summaries must give the very report of analyzing the parts together.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct SummaryMergeTests {
    static let log = Result { try produceLog() }
    static let loopLength = 12

    /// A loop session (N+1 by id, split by the rotation), a session idle across the rotation, a
    /// short one that fails a statement, and row-by-row inserts after the rotation.
    static func produceLog() throws -> String {
        let (server, conninfo) = try itemsServer(logging: ["log_connections": "on", "log_disconnections": "on"])
        defer { server.stop() }
        do {
            let setup = try Connection(conninfo)
            let idle = try Connection(conninfo, applicationName: "idle")
            try idle.execute("SELECT count(*) FROM items")
            let short = try Connection(conninfo, applicationName: "short")
            _ = try? short.execute("SELECT 1 / 0")
            try short.execute("SELECT name FROM items WHERE id = 1")
            let loop = try Connection(conninfo, applicationName: "loop")
            for id in 1 ... loopLength {
                if id == loopLength / 2 + 1 { try loop.execute("SELECT 'rotate-here'") }
                if id == loopLength - 2 { try setup.execute("SELECT 'second-rotation'") }
                _ = try loop.query("SELECT name FROM items WHERE id = $1", [String(id)])
            }
            try idle.execute("SELECT max(id) FROM items")
            for id in 100 ..< 105 { _ = try setup.query("INSERT INTO items VALUES ($1, 'new')", [String(id)]) }
            try setup.execute("SELECT 'summary-done'")
        }
        // Connections closed: their disconnections are logged after the marker.
        let paths = try server.collectedLogs(["postgresql"], as: ["whole.log"]) { text in
            guard let marker = text.range(of: "summary-done") else { return false }
            return text[marker.upperBound...].components(separatedBy: "disconnection: ").count > 4
        }
        return paths[0]
    }

    /// A throwaway server logging every statement to `log/postgresql` (with `settings` besides),
    /// with a table `items` of 50 rows, and its connection string.
    static func itemsServer(logging settings: [String: String]) throws -> (server: TemporaryPostgres, conninfo: String) {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on", "log_directory": "log", "log_filename": "postgresql",
            "log_min_duration_statement": "0", "log_line_prefix": "%m [%p] %q%u@%d %a ",
        ].merging(settings) { _, given in given }, createHypoPG: false))
        do {
            try Connection(server.connectionString())
                .execute("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 50) g")
        } catch {
            server.stop()
            throw error
        }
        return (server, server.connectionString())
    }

    /// The log cut before the lines holding `markers`: a rotation in the middle of sessions.
    static func parts(cutAt markers: [String]) throws -> [String] {
        let lines = try String(contentsOfFile: log.get(), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var cuts: [Int] = []
        for marker in markers {
            cuts.append(try #require(lines.firstIndex { $0.contains(marker) }))
        }
        let bounds = [0] + cuts + [lines.count]
        let directory = NSTemporaryDirectory() + "sargable-summary-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try zip(bounds, bounds.dropFirst()).enumerated().map { index, range in
            let path = directory + "/part-\(index).log"
            let text = lines[range.0 ..< range.1].joined(separator: "\n") + (range.1 < lines.count ? "\n" : "")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func json(_ report: WorkloadReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self)
    }

    /// A summary as `--merge` reads it: written out and read back.
    static func written(_ summary: LogSummary) throws -> LogSummary {
        let path = NSTemporaryDirectory() + "sargable-summary-\(UUID().uuidString).summary"
        try summary.encoded().write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try LogSummary.read(path: path)
    }

    static func summary(_ path: String) throws -> LogSummary {
        try written(LargeStack.run { LogSummary.summarize(paths: [path], settings: LogAnalysis.Settings()) })
    }

    static func merged(_ parts: [LogSummary]) throws -> LogSummary {
        try written(try #require(LargeStack.run { LogSummary.merge(parts) }))
    }

    @Test func mergedSummariesOfARotatedLogGiveTheReportOfBothFiles() throws {
        let files = try Self.parts(cutAt: ["rotate-here"])
        let (together, problems) = analyze(files)
        #expect(problems.isEmpty, "\(problems)")
        // The loop's two halves are one run: the finding needs both files.
        let loop = try #require(together.findings.first { $0.finding.rule == WorkloadRules.nPlusOne && $0.application == "loop" })
        #expect(loop.count == Self.loopLength)
        #expect(loop.finding.file == files[0])
        #expect(together.findings.contains { $0.finding.rule == WorkloadRules.rowByRowInsert })
        #expect(together.operations.errors.total == 1)

        let first = try Self.summary(files[0]), second = try Self.summary(files[1])
        // The loop and the idle session are still open when the first file ends.
        #expect(first.sessions.contains { !$0.ended && $0.startKnown })
        #expect(second.sessions.contains { !$0.startKnown })
        let merged = try #require(LogSummary.merge([first, second]))
        #expect(Self.json(merged.report()) == Self.json(together))
        // Given in the other order, summaries are still merged in the order they were written.
        #expect(Self.json(try #require(LogSummary.merge([second, first])).report()) == Self.json(together))
    }

    @Test func threePartsMergeAlikeInEitherGrouping() throws {
        let files = try Self.parts(cutAt: ["rotate-here", "second-rotation"])
        let expected = Self.json(analyze(files).report)
        let (a, b, c) = (try Self.summary(files[0]), try Self.summary(files[1]), try Self.summary(files[2]))
        let left = try Self.merged([try Self.merged([a, b]), c])
        let right = try Self.merged([a, try Self.merged([b, c])])
        #expect(Self.json(left.report()) == expected)
        #expect(Self.json(right.report()) == expected)
        #expect(Self.json(LargeStack.run { LogSummary.summarize(paths: files, settings: LogAnalysis.Settings()) }.report()) == expected)
    }

    /// An input that cannot be opened between the two ends every session, as in one pass: the
    /// loop's halves are two runs then, and the merged summaries say so too.
    @Test func anUnreadableInputBetweenEndsTheSessionsAsInOnePass() throws {
        let files = try Self.parts(cutAt: ["rotate-here"])
        let missing = URL(fileURLWithPath: files[0]).deletingLastPathComponent().path + "/missing.log"
        let inputs = [files[0], missing, files[1]]
        let (together, problems) = analyze(inputs)
        #expect(problems.contains { $0.path == missing && $0.kind == .error })
        #expect(!together.findings.contains { $0.application == "loop" && $0.count == Self.loopLength })
        let merged = try #require(LogSummary.merge(try inputs.map(Self.summary)))
        #expect(merged.inputProblems.map(\.description) == problems.map(\.description))
        #expect(Self.json(merged.report()) == Self.json(together))
    }

    /// A pid reused without log_disconnections: the `connection received` line starts a new
    /// session, in one pass and in summaries of files cut anywhere.
    @Test func aConnectionLineStartsANewSessionOfAReusedPid() throws {
        var lines: [String] = []
        for (session, start) in [(0, 0), (1, 5)] {
            lines.append("2026-01-01 10:00:0\(start).000 UTC [100] LOG:  connection received: host=[local]")
            lines.append("2026-01-01 10:00:0\(start).001 UTC [100] LOG:  connection authorized: user=app database=app application_name=run\(session)")
            for id in 1 ... 3 {
                lines.append("2026-01-01 10:00:0\(start).00\(id + 1) UTC [100] LOG:  duration: 0.10\(id) ms  statement: SELECT * FROM t WHERE id = \(id + 3 * session)")
            }
        }
        let whole = lines.joined(separator: "\n") + "\n"
        let path = try TestPaths.temporaryFile("reused.log", contents: Array(whole.utf8))
        let (report, _) = analyze([path])
        #expect(report.summary.sessions == 2)
        #expect(report.findings.filter { $0.finding.rule == WorkloadRules.nPlusOne }.count == 2)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        for cut in 1 ..< lines.count {
            let files = [directory + "/cut-a.log", directory + "/cut-b.log"]
            try (lines[..<cut].joined(separator: "\n") + "\n").write(toFile: files[0], atomically: true, encoding: .utf8)
            try (lines[cut...].joined(separator: "\n") + "\n").write(toFile: files[1], atomically: true, encoding: .utf8)
            let merged = try #require(LogSummary.merge(try files.map(Self.summary)))
            #expect(Self.json(merged.report()) == Self.json(analyze(files).report), "cut before line \(cut + 1)")
        }
    }

    /// Lock waits, deadlocks, temporary files, checkpoints and autovacuum, cut in the middle.
    @Test func theOperationalReportMergesExactly() throws {
        let whole = try OperationalReportTests.logs.get()[0]
        let lines = try String(contentsOfFile: whole, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let middle = try #require((lines.count / 2 ..< lines.count).first { lines[$0].first?.isNumber == true })
        let directory = NSTemporaryDirectory() + "sargable-summary-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = [directory + "/operations-0.log", directory + "/operations-1.log"]
        try (lines[..<middle].joined(separator: "\n") + "\n").write(toFile: files[0], atomically: true, encoding: .utf8)
        try lines[middle...].joined(separator: "\n").write(toFile: files[1], atomically: true, encoding: .utf8)
        let together = analyze(files).report
        #expect(together.operations.lockWaits.waits > 0 && together.operations.checkpoints.completed > 0)
        let merged = try #require(LogSummary.merge([try Self.summary(files[0]), try Self.summary(files[1])]))
        #expect(Self.json(merged.report()) == Self.json(together))
    }

    @Test func whatIsNotAReadableSummaryIsOneLineNamingTheFile() throws {
        let files = try Self.parts(cutAt: ["rotate-here"])
        let text = LogSummary.summarize(paths: [files[0]], settings: LogAnalysis.Settings()).encoded()
        let directory = NSTemporaryDirectory() + "sargable-summary-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cases: [(name: String, contents: String, reason: String)] = [
            ("log.summary", try String(contentsOfFile: files[0], encoding: .utf8), "is not a sargable log summary"),
            ("empty.summary", "", "is not a sargable log summary"),
            ("future.summary", text.replacingOccurrences(of: "\"version\":\(LogSummary.version)}", with: "\"version\":99}"),
             "is a version 99 log summary; this sargable reads version \(LogSummary.version)"),
            ("truncated.summary", String(text.prefix(text.count / 2)), "is truncated"),
        ]
        for item in cases {
            let path = directory + "/" + item.name
            try item.contents.write(toFile: path, atomically: true, encoding: .utf8)
            let error = #expect(throws: LogAnalysis.Problem.self) { _ = try LogSummary.read(path: path) }
            let description = error.map { "\($0)" } ?? ""
            #expect(description.hasPrefix(path + ": " + item.reason) && !description.contains("\n"), "\(description)")
        }
        #expect(throws: LogAnalysis.Problem.self) { _ = try LogSummary.read(path: directory + "/missing.summary") }
    }

    @Test func theCommandMergesSummariesIntoAnyFormat() throws {
        let files = try Self.parts(cutAt: ["rotate-here"])
        let directory = URL(fileURLWithPath: files[0]).deletingLastPathComponent().path
        let together = try SargableExecutable.run(["analyze", "--format", "json", files[0], files[1]])
        #expect(together.status == 0, "\(together.stderr)")
        var summaries: [String] = []
        for (index, file) in files.enumerated() {
            let written = try SargableExecutable.run(["analyze", "--format", "summary", file])
            #expect(written.status == 0, "\(written.stderr)")
            let path = directory + "/part-\(index).summary"
            try written.stdout.write(toFile: path, atomically: true, encoding: .utf8)
            summaries.append(path)
        }
        let merged = try SargableExecutable.run(["analyze", "--merge", "--format", "json"] + summaries)
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout == together.stdout)
        let text = try SargableExecutable.run(["analyze", "--merge"] + summaries)
        let textTogether = try SargableExecutable.run(["analyze", files[0], files[1]])
        #expect(text.stdout == textTogether.stdout && text.stdout.contains("n-plus-one"))

        let bad = try SargableExecutable.run(["analyze", "--merge", summaries[0], files[1]])
        #expect(bad.status == 2)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr == "sargable: error: \(files[1]): is not a sargable log summary (write one with sargable analyze --format summary)\n")
    }
}
