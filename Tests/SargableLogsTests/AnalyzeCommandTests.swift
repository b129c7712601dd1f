import Foundation
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
