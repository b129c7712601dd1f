import Foundation
import SargableLogs
import Testing

/// Every numeric field of every reader, fed values that would trap, wrap or poison a sum. Each
/// case takes a real sample file, changes one field of one line, and checks that nothing crashes,
/// that the line gets a located warning (or is counted unreadable when the value breaks the line
/// itself), and that every other line still counts.
struct NumericInputTests {
    static let values = ["9223372036854775808", "18446744073709551616", "-1", "1e400", "nan", "inf", ""]

    /// One field of one line of a sample: how to put a value there.
    struct Field: Sendable, CustomStringConvertible {
        var sample: String
        var name: String
        /// 1-based line changed.
        var line: Int
        var replace: @Sendable (_ line: String, _ value: String) -> String
        /// pg_stat_statements rows are groups; log lines are executions.
        var isStatStatements = false
        var description: String { "\(sample) \(name)" }
    }

    /// A JSON value as an export would carry it: a number when JSON can spell it, else a string.
    static func json(_ value: String) -> String { Double(value) != nil && !value.contains("n") ? value : "\"\(value)\"" }

    static let fields: [Field] = [
        Field(sample: "app.log", name: "duration", line: 14) { $0.replacingOccurrences(of: "duration: 4.734 ms", with: "duration: \($1) ms") },
        Field(sample: "app.log", name: "pid (%p)", line: 14) { $0.replacingOccurrences(of: "[17446]", with: "[\($1)]") },
        Field(sample: "app.csv", name: "duration", line: 14) { $0.replacingOccurrences(of: "duration: 4.734 ms", with: "duration: \($1) ms") },
        Field(sample: "app.csv", name: "pid", line: 14) { $0.replacingOccurrences(of: ",17446,", with: ",\($1),") },
        Field(sample: "app.csv", name: "log_time", line: 14) {
            $0.replacingOccurrences(of: "2026-11-28 02:19:13.701 UTC,\"postgres\"", with: "\($1),\"postgres\"")
        },
        Field(sample: "app.json", name: "duration", line: 8) { $0.replacingOccurrences(of: "duration: 4.734 ms", with: "duration: \($1) ms") },
        Field(sample: "app.json", name: "pid", line: 8) { $0.replacingOccurrences(of: "\"pid\":17446", with: "\"pid\":\(json($1))") },
        Field(sample: "app.json", name: "timestamp", line: 8) {
            $0.replacingOccurrences(of: "\"timestamp\":\"2026-11-28 02:19:13.701 UTC\"", with: "\"timestamp\":\"\($1)\"")
        },
    ] + ["calls", "total_exec_time", "mean_exec_time", "max_exec_time"].enumerated().flatMap { column, name in [
        // The products row: `…tags text[])",1,4.645369,4.645369,4.645369,0`.
        Field(sample: "app-pg_stat_statements.csv", name: name, line: 2, replace: { line, value in
            var tail = ["1", "4.645369", "4.645369", "4.645369", "0"]
            let head = line.dropLast(tail.joined(separator: ",").count)
            tail[column] = value
            return head + tail.joined(separator: ",")
        }, isStatStatements: true),
        Field(sample: "app-pg_stat_statements.json", name: name, line: 1, replace: { line, value in
            let original = name == "calls" ? "\"calls\":1," : "\"\(name)\":4.645369"
            return line.replacingOccurrences(of: original, with: "\"\(name)\":\(json(value))" + (name == "calls" ? "," : ""))
        }, isStatStatements: true),
    ] }

    static var cases: [(Field, String)] { fields.flatMap { field in values.map { (field, $0) } } }

    @Test(arguments: cases)
    func aBadValueIsLocatedAndTheOtherLinesCount(field: Field, value: String) throws {
        let sample = TestPaths.samples + "/" + field.sample
        var lines = try String(contentsOfFile: sample, encoding: .utf8).components(separatedBy: "\n")
        let original = lines[field.line - 1]
        lines[field.line - 1] = field.replace(original, value)
        try #require(lines[field.line - 1] != original, "the sample line changed")
        let path = try TestPaths.temporaryFile(field.sample, contents: Array(lines.joined(separator: "\n").utf8))
        let (report, problems) = analyze([path])
        let (whole, _) = analyze([sample])

        let warned = problems.contains { $0.kind == .warning && $0.description.hasPrefix("\(path):\(field.line): ") }
        let unreadable = report.summary.files.first?.unreadableLineNumbers.contains(field.line) == true
        #expect(warned || unreadable, "no located diagnostic in \(problems.map(\.description))")
        #expect(!problems.contains { $0.kind == .error }, "\(problems.map(\.description))")
        let lost = unreadable ? 1 : 0
        if field.isStatStatements {
            // The products row ran once: refusing its calls (or losing its line) drops that group.
            let rowGone = unreadable || field.name == "calls"
            #expect(report.summary.fingerprints == whole.summary.fingerprints - (rowGone ? 1 : 0))
            #expect(report.summary.executions == whole.summary.executions - (rowGone ? 1 : 0))
        } else {
            // A refused duration or pid leaves the execution counted; a broken line loses only itself.
            #expect(report.summary.executions == whole.summary.executions - lost)
            #expect(report.summary.errors == whole.summary.errors)
        }
        for query in report.queries {
            for number in [query.totalMs, query.meanMs, query.maxMs] + (query.p95Ms.map { [$0] } ?? []) {
                #expect(number.isFinite && number >= 0, "\(query.query): \(number)")
            }
        }
        for finding in report.findings {
            #expect(finding.totalMs.isFinite && finding.totalMs >= 0)
            #expect(finding.spanSeconds.map { $0.isFinite && $0 >= 0 } ?? true)
        }
    }

    @Test func sumsOfHugeValuesSaturateInsteadOfTrapping() throws {
        let path = try TestPaths.temporaryFile("huge.csv", contents: Array("""
            query,calls,total_exec_time,max_exec_time
            "SELECT 1",9223372036854775807,1e16,1e16
            "SELECT 2",9223372036854775807,1e16,1e16

            """.utf8))
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty)
        #expect(report.summary.executions == Int.max)
        let first = try #require(try report.query("SELECT 1"))
        #expect(first.calls == Int.max)
        #expect(first.totalMs == 2e16)
        #expect(first.meanMs >= 0 && first.meanMs.isFinite)
        // Without a total, mean × calls: both at their largest, the product is still finite.
        let means = try TestPaths.temporaryFile("means.csv", contents: Array("""
            query,calls,mean_exec_time
            "SELECT 3",9223372036854775807,1e16

            """.utf8))
        let (meanReport, meanProblems) = analyze([means])
        #expect(meanProblems.isEmpty)
        #expect(try meanReport.query("SELECT 3")?.totalMs == 1e16 * Double(Int.max))
    }

    @Test func theBuiltCommandWarnsWithTheLocationAndReportsTheRest() throws {
        let path = try TestPaths.temporaryFile("export.csv", contents: Array("""
            query,calls,total_exec_time
            "SELECT 1",9223372036854775808,5
            "SELECT 2",3,4

            """.utf8))
        for format in ["text", "json", "html"] {
            let result = try SargableExecutable.run(["analyze", "--format", format, path])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stderr == "sargable: warning: \(path):2: calls '9223372036854775808' out of range; row skipped\n")
            #expect(result.stdout.contains("SELECT $1"), "\(format)")
        }
        let json = try SargableExecutable.run(["analyze", "--format", "json", path])
        #expect(json.stdout.contains("\"executions\":3"))
    }

    @Test func aDurationThatIsNotANumberIsAWarningNotSilence() throws {
        let log = """
            2024-05-01 12:00:00.123 UTC [42] LOG:  duration: 1e400 ms  statement: SELECT 1
            2024-05-01 12:00:00.124 UTC [42] LOG:  duration: -5 ms  statement: SELECT 1
            2024-05-01 12:00:00.125 UTC [42] LOG:  duration: 2.000 ms  statement: SELECT 1

            """
        let path = try TestPaths.temporaryFile("durations.log", contents: Array(log.utf8))
        let result = try SargableExecutable.run(["analyze", "--format", "json", path])
        #expect(result.status == 0)
        #expect(result.stderr == """
            sargable: warning: \(path):1: duration '1e400' out of range; counted without a duration
            sargable: warning: \(path):2: duration '-5' out of range; counted without a duration

            """)
        #expect(result.stdout.contains("\"executions\":3"))
        #expect(result.stdout.contains("\"totalMs\":2"))
    }

    /// `%n` is digits and a dot, but as many as the line has: 400 nines were infinity, and the
    /// timeline's bucket of infinity trapped.
    @Test func anEpochTimeOutOfRangeIsAWarningAndTheEntryCounts() throws {
        let nines = String(repeating: "9", count: 400)
        let log = """
            1714564800.123 [42] LOG:  duration: 1.000 ms  statement: SELECT 1
            \(nines) [42] LOG:  duration: 1.000 ms  statement: SELECT 1

            """
        let path = try TestPaths.temporaryFile("epoch.log", contents: Array(log.utf8))
        var settings = LogAnalysis.Settings()
        settings.prefix = LogLinePrefix("%n [%p] ")
        let (report, problems) = analyze([path], settings: settings)
        #expect(problems.map(\.description) == ["\(path):2: time '\(nines.prefix(40))…' out of range"])
        #expect(report.summary.executions == 2)
        #expect(report.summary.firstSeen == 1714564800.123 && report.summary.lastSeen == 1714564800.123)
    }

    @Test(arguments: ["nan", "inf", "-1", "-inf"])
    func maximumGapMustBeAFiniteNumberOfSeconds(value: String) throws {
        let result = try SargableExecutable.run(["analyze", "--maximum-gap=\(value)", TestPaths.samples + "/app.log"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--maximum-gap must be a finite number of seconds, 0 or more"))
        #expect(result.stdout.isEmpty)
    }
}

/// Statistics are guarded where they are computed, so no report can show a negative or
/// non-finite figure.
struct ReportedStatisticsTests {
    @Test func aClockSteppingBackGivesASpanOfZeroNotANegativeOne() throws {
        // The same session's loop, logged across a clock step of two seconds backwards.
        let log = (0 ..< 4).map { index in
            let second = ["10", "10", "08", "08"][index]
            return "2024-05-01 12:00:\(second).00\(index) UTC [42] LOG:  duration: 1.000 ms  statement: SELECT * FROM orders WHERE user_id = \(index)"
        }.joined(separator: "\n") + "\n"
        let path = try TestPaths.temporaryFile("clock.log", contents: Array(log.utf8))
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty)
        let finding = try #require(report.findings.first { $0.rule == "n-plus-one" })
        #expect(finding.spanSeconds == 0)
        let text = try SargableExecutable.run(["analyze", path])
        // A span below the log's millisecond resolution is not a total "over 0 ms".
        #expect(text.stdout.contains("(4.000 ms total within 1 ms)"), "\(text.stdout)")
        #expect(text.stdout.contains("4 executions, 4 distinct parameter sets, 4.000 ms total within 1 ms"))
        #expect(!text.stdout.contains("over 0 ms"))
    }
}
