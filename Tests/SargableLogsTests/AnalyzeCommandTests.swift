import Foundation
import SargablePostgres
import Testing

/// `sargable analyze` as users run it.
struct AnalyzeCommandTests {
    static let sample = TestPaths.samples + "/app.log"

    @Test func jsonHasTheDocumentedShape() throws {
        let result = try SargableExecutable.run(["analyze", "--format", "json", Self.sample])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(root["version"] as? Int == 1)
        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["entries"] as? Int ?? 0 > 0)
        #expect(summary["executions"] as? Int == 73)
        #expect(summary["errors"] as? Int == 1)
        #expect(summary["sessions"] as? Int ?? 0 > 0)
        #expect(summary["format"] as? String == "stderr")
        #expect(summary["logLinePrefix"] as? String == "%m [%p] %u@%d ")
        #expect(summary["unreadableLines"] as? Int == 0)
        let queries = try #require(root["queries"] as? [[String: Any]])
        for key in ["fingerprint", "query", "calls", "errors", "totalMs", "meanMs", "maxMs", "p95Ms", "sessions"] {
            #expect(queries.first?[key] != nil, "queries[].\(key)")
        }
        #expect((queries.first?["fingerprint"] as? String)?.count == 16)
        let findings = try #require(root["findings"] as? [[String: Any]])
        let nPlusOne = try #require(findings.first {
            $0["rule"] as? String == "n-plus-one" && ($0["query"] as? String)?.contains("FROM orders") == true
        })
        for key in ["severity", "pid", "session", "fingerprint", "query", "count", "totalMs", "firstLine", "lastLine",
                    "parent", "message", "help"] {
            #expect(nPlusOne[key] != nil, "findings[].\(key)")
        }
        // `pid` is the integer process id, as the log has one.
        #expect(nPlusOne["pid"] is Int)
        #expect(nPlusOne["severity"] as? String == "warning")
        let parent = try #require(nPlusOne["parent"] as? [String: Any])
        #expect((parent["query"] as? String)?.hasPrefix("SELECT id, email FROM users") == true)
    }

    @Test func textShowsStatementsAndFindingsWithEvidence() throws {
        let result = try SargableExecutable.run(["analyze", Self.sample])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Top statements by total time"))
        #expect(result.stdout.contains("warning[n-plus-one]: the same select on orders ran 10 times in one session"))
        #expect(result.stdout.contains("   | after: SELECT id, email FROM users WHERE status = $1 ORDER BY id LIMIT $2;"))
        #expect(result.stdout.contains("  = help: fetch the rows in one query: `= ANY($1)`"))
        #expect(result.stdout.contains("info[repeated-identical-query]"))
        #expect(result.stdout.hasSuffix("6 warnings, 1 info\n"))
    }

    @Test func standardInputIsRead() throws {
        let fromStdin = try SargableExecutable.run(["analyze", "--format", "json", "-"], stdinFile: Self.sample)
        #expect(fromStdin.status == 0)
        #expect(fromStdin.stdout.contains("\"executions\":73"))
    }

    @Test func htmlIsOneSelfContainedPage() throws {
        let result = try SargableExecutable.run(["analyze", "--format", "html", Self.sample])
        #expect(result.status == 0)
        let html = result.stdout
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // Top statements, the rate, and executions and time per minute and per hour.
        #expect(html.components(separatedBy: "<svg").count == 7)
        for chart in ["executions per minute", "time per minute", "executions per hour", "time per hour"] {
            #expect(html.contains("aria-label=\"\(chart)\""))
        }
        #expect(html.contains("n-plus-one"))
        #expect(html.contains("class=\"sortable\""))
        // No external assets: nothing is loaded from anywhere.
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains(" src=") && !html.contains("<link"))
    }

    @Test func failOnTurnsFindingsIntoExitOne() throws {
        #expect(try SargableExecutable.run(["analyze", "--fail-on", "warning", Self.sample]).status == 1)
        #expect(try SargableExecutable.run(["analyze", "--fail-on", "error", Self.sample]).status == 0)
    }

    @Test func aWrongPrefixIsAnErrorWithTheFix() throws {
        let result = try SargableExecutable.run(["analyze", "--log-line-prefix", "%t [%p]: ", Self.sample])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("sargable: error: \(Self.sample):1: no stderr entries could be read with log_line_prefix '%t [%p]: '"))
        #expect(result.stderr.contains("needs --log-line-prefix '%m [%p] '"))
    }

    @Test func formatInOverridesDetection() throws {
        let json = TestPaths.samples + "/app.json"
        let stated = try SargableExecutable.run(["analyze", "--format-in", "jsonlog", "--format", "json", json])
        #expect(stated.status == 0)
        #expect(stated.stdout.contains("\"executions\":73"))
        let wrong = try SargableExecutable.run(["analyze", "--format-in", "csvlog", json])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("no csvlog entries could be read; the first line is '{\"timestamp\":"))
    }

    @Test func usageErrors() throws {
        let missing = try SargableExecutable.run(["analyze"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("give at least one log file"))
        let unreadable = try SargableExecutable.run(["analyze", "/nonexistent.log"])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr == "sargable: error: cannot read '/nonexistent.log': No such file or directory\n")
    }

    @Test func helpHasExamples() throws {
        let result = try SargableExecutable.run(["analyze", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"))
        #expect(result.stdout.contains("sargable analyze samples/logs/app.log"))
    }
}

/// `analyze` reads the same configuration as `lint`: a workload rule turned off or regraded there is
/// off or regraded in the report.
struct AnalyzeConfigurationTests {
    static func findings(config: String) throws -> [[String: Any]] {
        let path = try TestPaths.temporaryFile(".sargable.yml", contents: Array(config.utf8))
        let result = try SargableExecutable.run(["analyze", "--format", "json", "--config", path, AnalyzeCommandTests.sample])
        #expect(result.status == 0, "\(result.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try #require(root["findings"] as? [[String: Any]])
    }

    @Test func aWorkloadRuleTurnedOffIsNotReported() throws {
        let all = try Self.findings(config: "rules:\n  select-star: off\n")
        #expect(all.contains { $0["rule"] as? String == "n-plus-one" })
        let without = try Self.findings(config: "rules:\n  n-plus-one: off\n")
        #expect(!without.contains { $0["rule"] as? String == "n-plus-one" })
        #expect(without.count == all.filter { $0["rule"] as? String != "n-plus-one" }.count)
    }

    @Test func aWorkloadRuleTakesTheConfiguredSeverity() throws {
        let graded = try Self.findings(config: "rules:\n  n-plus-one:\n    severity: error\n")
        let nPlusOne = graded.filter { $0["rule"] as? String == "n-plus-one" }
        #expect(!nPlusOne.isEmpty && nPlusOne.allSatisfy { $0["severity"] as? String == "error" })
    }
}

/// The same log gives the same report in every run: among equally repeated values the earliest
/// is the one reported (the analyzer's dictionaries iterate in a new order in each process).
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct ReportDeterminismTests {
    @Test func equallyRepeatedValuesReportTheEarliestInEveryRun() throws {
        let server = try TemporaryPostgres.start(.init(settings: ["log_min_duration_statement": "0"], createHypoPG: false))
        defer { server.stop() }
        let connection = try Connection(try server.createDatabase("repeats"))
        try connection.execute("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 10) AS i")
        // One session, four values each asked for three times: a four-way tie.
        for value in ["4", "2", "3", "1"] {
            for _ in 1 ... 3 { _ = try connection.query("SELECT name FROM items WHERE id = $1", [value]) }
        }
        _ = try connection.query("SELECT 'done'")
        var reports: Set<String> = []
        var firstLines: Set<Int> = []
        for _ in 1 ... 4 {
            let result = try SargableExecutable.run(["analyze", "--format", "json", server.serverLogFile])
            let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let findings = try #require(root["findings"] as? [[String: Any]])
            let repeated = try #require(findings.first { $0["rule"] as? String == "repeated-identical-query" })
            firstLines.insert(try #require(repeated["firstLine"] as? Int))
            reports.insert(String(decoding: try JSONSerialization.data(withJSONObject: findings, options: .sortedKeys), as: UTF8.self))
        }
        #expect(reports.count == 1, "the findings differ between runs")
        let lines = try String(contentsOfFile: server.serverLogFile, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let line = try #require(firstLines.first)
        #expect(lines[line - 1].contains("$1 = '4'") || lines[line].contains("$1 = '4'"), "the first value asked for: \(lines[line - 1])")
    }
}

/// Plans auto_explain logged go through the same plan-insight rules as `sargable explain`.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct LoggedPlanInsightTests {
    @Test(arguments: ["json", "text"])
    func aLoggedPlanThatScansToFilterOutMostRowsIsAFinding(_ format: String) throws {
        let server = try TemporaryPostgres.start(.init(settings: [
            "log_min_duration_statement": "0", "session_preload_libraries": "auto_explain",
            "auto_explain.log_min_duration": "0", "auto_explain.log_analyze": "on", "auto_explain.log_format": format,
        ], createHypoPG: false))
        defer { server.stop() }
        let connection = try Connection(try server.createDatabase("insights"))
        try connection.execute("""
            SET auto_explain.log_min_duration = -1;
            CREATE TABLE readings (id int, sensor int, value float8);
            INSERT INTO readings SELECT i, i % 5000, random() FROM generate_series(1, 60000) AS i;
            ANALYZE readings;
            """)
        try connection.execute("RESET auto_explain.log_min_duration")
        _ = try connection.query("SELECT count(*) FROM readings WHERE sensor = $1", ["7"])
        _ = try connection.query("SELECT id FROM readings WHERE id = $1", ["1"])
        let result = try SargableExecutable.run(["analyze", "--format", "json", server.serverLogFile])
        #expect(!result.stderr.contains("could not be read"), "\(result.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(root["planFindings"] as? [[String: Any]])
        let scans = findings.filter { $0["rule"] as? String == "plan-seq-scan-filter" }
        #expect(scans.count == 2, "\(findings)")
        #expect(scans.contains { ($0["query"] as? String)?.contains("sensor = $1") == true && $0["calls"] as? Int == 1 })
        #expect(scans.allSatisfy { $0["severity"] as? String == "warning" && ($0["message"] as? String)?.contains("readings") == true })
        let text = try SargableExecutable.run(["analyze", server.serverLogFile]).stdout
        #expect(text.contains("Plan findings (the plans in the log)"))
        #expect(text.components(separatedBy: "warning[plan-seq-scan-filter]: seq scan on readings").count == 3, "\(text)")
        let html = try SargableExecutable.run(["analyze", "--format", "html", server.serverLogFile]).stdout
        #expect(html.contains("<section id=\"plan-findings\">") && html.contains("plan-seq-scan-filter"))
        // --fail-on counts them: the workload itself has no warning here.
        let failing = try SargableExecutable.run(["analyze", "--fail-on", "warning", "--format", "json", server.serverLogFile])
        #expect(failing.status == 1)
    }
}
