import Foundation
@testable import SargableLogs
import SargableSyntax
import SargablePostgres
import Testing

/// Summaries of a log written without `log_connections` / `log_disconnections`: no session's
/// start or end is in it, so every session is open at a file boundary. Sessions that pause
/// between bursts (an application's connections do) are cut in those pauses, and a summary keeps
/// only the entries between a boundary and the nearest cut, yet merges to exactly what one pass
/// over the files gives, findings that need every part of a session included.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct SummaryCutTests {
    static let log = Result { try produceLog() }
    /// The detectors' gap here: pauses of `pause` seconds between bursts are longer.
    static let gap = 0.2
    static let pause: UInt32 = 400_000
    static let bursts = 10

    static var settings: LogAnalysis.Settings {
        var settings = LogAnalysis.Settings()
        settings.options.maximumGapSeconds = gap
        return settings
    }

    /// Per burst: an N+1 loop, the same count query once (identical across every burst: a
    /// finding only the whole session shows), and row-by-row inserts in another session.
    static func produceLog() throws -> String {
        let (server, conninfo) = try SummaryMergeTests.itemsServer(logging: [:])
        defer { server.stop() }
        do {
            let setup = try Connection(conninfo)
            let loop = try Connection(conninfo, applicationName: "loop")
            let writer = try Connection(conninfo, applicationName: "writer")
            for burst in 0 ..< bursts {
                if burst > 0 { usleep(pause) }
                for id in 1 ... 6 {
                    if burst == bursts / 2, id == 4 { try setup.execute("SELECT 'rotate-here'") }
                    _ = try loop.query("SELECT name FROM items WHERE id = $1", [String(burst * 10 + id)])
                }
                try loop.execute("SELECT count(*) FROM items")
                for id in 0 ..< 4 { _ = try writer.query("INSERT INTO items VALUES ($1, 'new')", [String(100 + burst * 10 + id)]) }
            }
            try setup.execute("SELECT 'summary-done'")
        }
        let paths = try server.collectedLogs(["postgresql"], as: ["whole.log"]) { text in text.contains("summary-done") }
        return paths[0]
    }

    static func parts() throws -> [String] {
        let lines = try String(contentsOfFile: log.get(), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let cut = try #require(lines.firstIndex { $0.contains("rotate-here") })
        let directory = NSTemporaryDirectory() + "sargable-summary-cuts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try [lines[..<cut], lines[cut...]].enumerated().map { index, part in
            let path = directory + "/part-\(index).log"
            try (part.joined(separator: "\n") + (index == 0 ? "\n" : "")).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func summary(_ path: String) throws -> LogSummary {
        let summary = LargeStack.run { LogSummary.summarize(paths: [path], settings: settings) }
        return try SummaryMergeTests.written(summary)
    }

    static func rawEntries(_ summary: LogSummary) -> Int {
        summary.sessions.reduce(0) { total, session in
            total + session.pieces.reduce(0) { if case .entries(let entries) = $1 { $0 + entries.count } else { $0 } }
        }
    }

    static func segments(_ summary: LogSummary) -> Int {
        summary.sessions.reduce(0) { total, session in
            total + session.pieces.filter { if case .segment = $0 { true } else { false } }.count
        }
    }

    @Test func sessionsCutInTheirPausesMergeToTheReportOfBothFiles() throws {
        let files = try Self.parts()
        let (together, problems) = analyze(files, settings: Self.settings)
        #expect(problems.isEmpty, "\(problems)")
        // One N+1 loop per burst, the one split by the rotation included, in one session.
        let loops = together.findings.filter { $0.finding.rule == WorkloadRules.nPlusOne && $0.application == "loop" }
        #expect(loops.count == 1)
        #expect(loops.first?.runs == Self.bursts)
        #expect(loops.first?.count == Self.bursts * 6)
        let identical = together.findings.filter { $0.finding.rule == WorkloadRules.repeatedIdenticalQuery }
        #expect(identical.map(\.count) == [Self.bursts])
        #expect(together.findings.first { $0.finding.rule == WorkloadRules.rowByRowInsert }?.runs == Self.bursts)

        let summaries = try files.map(Self.summary)
        let merged = try #require(LogSummary.merge(summaries))
        #expect(SummaryMergeTests.json(merged.report()) == SummaryMergeTests.json(together))
        #expect(SummaryMergeTests.json(try #require(LogSummary.merge(summaries.reversed())).report()) == SummaryMergeTests.json(together))

        // Every session is open at both ends, yet only its first and last burst in each file are
        // kept as entries; the bursts between, as segments.
        let uncut = try Self.uncutSummaries(files)
        let raw = summaries.map(Self.rawEntries).reduce(0, +), all = uncut.map(Self.rawEntries).reduce(0, +)
        #expect(summaries.allSatisfy { Self.segments($0) > 0 })
        #expect(raw * 2 < all, "\(raw) of \(all) entries kept raw")
    }

    /// With a gap longer than every pause: no session can be cut.
    static func uncutSummaries(_ files: [String]) throws -> [LogSummary] {
        var settings = Self.settings
        settings.options.maximumGapSeconds = 60
        return try files.map { path in
            try SummaryMergeTests.written(LargeStack.run { LogSummary.summarize(paths: [path], settings: settings) })
        }
    }

    /// Without cuts (a gap longer than every pause), the same summaries keep every entry and
    /// still merge exactly: the cuts change what is stored, not what is reported.
    @Test func withoutCutsTheSummariesKeepEntriesAndAgree() throws {
        let files = try Self.parts()
        var settings = Self.settings
        settings.options.maximumGapSeconds = 60
        let summaries = try Self.uncutSummaries(files)
        #expect(summaries.allSatisfy { Self.segments($0) == 0 })
        let merged = try #require(LogSummary.merge(summaries))
        #expect(SummaryMergeTests.json(merged.report()) == SummaryMergeTests.json(analyze(files, settings: settings).report))
    }
}
