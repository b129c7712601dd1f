import Foundation
import SargableCore
import SargableLogs
import Testing

/// The logs in samples/logs were written by a real PostgreSQL 15 logging to stderr, csvlog and
/// jsonlog at once while scripts/logs-workload.sh ran (scripts/generate-sample-logs.sh). The
/// three formats must give the same executions per fingerprint and the same findings.
struct WorkloadTests {
    static let formats = ["app.log", "app.csv", "app.json"]

    /// Statements of the workload and how often it executed each one's fingerprint.
    static let expectedCalls: [(String, Int)] = [
        // 10 (pgbench -M extended) + 10 (-M prepared) + 8 (literals) + 3 (nested loop)
        // + 1 (the `= ANY` fix, same fingerprint).
        ("SELECT id, status, total_cents FROM orders WHERE user_id = 1", 32),
        ("SELECT id, email FROM users WHERE status = 'active' ORDER BY id LIMIT 10", 3),
        ("SELECT count(*) FROM products WHERE price_cents > 100", 6),
        ("SELECT status FROM orders WHERE id = 7", 5),
        ("INSERT INTO order_items (order_id, product_id, quantity) VALUES (1, 1, 1)", 5),
        ("SELECT u.id, u.email, o.id AS order_id, o.total_cents FROM users AS u JOIN orders AS o ON o.user_id = u.id WHERE u.status = 'active' ORDER BY u.id", 1),
        ("SELECT p.name, sum(i.quantity) FROM products AS p JOIN order_items AS i ON i.product_id = p.id GROUP BY p.name", 1),
        ("SELECT id, email FROM users WHERE id IN (1, 2, 3) ORDER BY id", 1),
        ("SELECT product_id, quantity FROM order_items WHERE order_id = 10", 9),
    ]

    @Test(arguments: formats)
    func executionsPerFingerprint(file: String) throws {
        try Self.checkExecutions(TestPaths.samples + "/" + file)
    }

    @Test(arguments: formats)
    func findings(file: String) throws {
        try Self.checkFindings(TestPaths.samples + "/" + file)
    }

    @Test func theThreeFormatsAgree() {
        Self.checkAgreement(Self.formats.map { TestPaths.samples + "/" + $0 })
        #expect(analyze([TestPaths.samples + "/app.log"]).report.summary.logLinePrefix == "%m [%p] %u@%d ")
    }

    /// Exact executions per fingerprint, errors, multi-line text, plans and parameters.
    static func checkExecutions(_ path: String) throws {
        let file = path
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty)
        #expect(report.summary.unreadableLines == 0)
        for (sql, calls) in Self.expectedCalls {
            #expect(try report.calls(of: sql) == calls, "\(file): \(sql)")
        }
        // The syntax error is an error of its text, never an execution.
        #expect(report.summary.errors == 1)
        let error = try #require(report.queries.first { $0.query == "SELEC id FROM users" })
        #expect(error.calls == 0 && error.errors == 1)
        // Multi-line statements keep their lines.
        #expect(report.queries.contains { $0.query.hasPrefix("CREATE TABLE users (\n    id bigserial PRIMARY KEY,\n") })
        // auto_explain's plan is attached to the statement it explains.
        let explained = try #require(try report.query(Self.expectedCalls[6].0))
        #expect(explained.plan?.contains("\"Query Text\": \"SELECT p.name, sum(i.quantity)") == true)
        #expect(explained.plan?.contains("\"Node Type\"") == true)
        // Extended-protocol executions carry their parameters.
        #expect(try report.query(Self.expectedCalls[0].0)?.parameters == "$1 = '1'")
    }

    /// Exactly the findings the workload's patterns call for, and none for its fixes.
    static func checkFindings(_ path: String) throws {
        let (report, _) = analyze([path])
        let orders = try fingerprint(Self.expectedCalls[0].0)
        let users = try fingerprint(Self.expectedCalls[1].0)
        let someUsers = try fingerprint(Self.expectedCalls[7].0)
        let items = try fingerprint(Self.expectedCalls[8].0)
        let nPlusOne = report.findings.filter { $0.rule == "n-plus-one" }
        // Two pgbench sessions (unnamed and named statements), one psql session with literals and
        // the outer loop of the nested one; the batched `= ANY` query and the six single-query
        // sessions are not findings.
        let ordersLoops = nPlusOne.filter { $0.fingerprint == orders }
        #expect(ordersLoops.map(\.count).sorted() == [3, 8, 10, 10])
        #expect(ordersLoops.filter { $0.parent?.fingerprint == users }.map(\.count).sorted() == [8, 10, 10])
        #expect(ordersLoops.filter { $0.parent?.fingerprint == someUsers }.map(\.count) == [3])
        // The inner loop of the nested one: one run of 9 although the outer query ran between.
        let itemsLoops = nPlusOne.filter { $0.fingerprint == items }
        #expect(itemsLoops.map(\.count) == [9])
        #expect(itemsLoops.first?.parent?.fingerprint == orders)
        #expect(itemsLoops.first?.session == ordersLoops.first { $0.count == 3 }?.session)
        for finding in nPlusOne {
            #expect(finding.distinctParameters == finding.count)
            #expect(finding.finding.severity == .warning)
            #expect(finding.pid != nil)
            #expect(finding.lastLine > finding.firstLine)
            #expect(finding.finding.message.hasPrefix("the same select on \(finding.fingerprint == items ? "order_items" : "orders") ran \(finding.count) times in one session"))
        }
        #expect(nPlusOne.count == 5)
        #expect(Set(nPlusOne.map(\.session)).count == 4)

        let inserts = report.findings.filter { $0.rule == "row-by-row-insert" }
        #expect(inserts.map(\.count) == [5])
        #expect(inserts.first?.finding.message.hasPrefix("5 single inserts into order_items") == true)

        let repeated = report.findings.filter { $0.rule == "repeated-identical-query" }
        #expect(repeated.map(\.count) == [5])
        #expect(try repeated.first?.fingerprint == fingerprint(Self.expectedCalls[3].0))
        #expect(repeated.first?.finding.severity == .info)
        #expect(report.findings.count == 7)
    }

    /// stderr, csvlog and jsonlog written at once by one server give the same result.
    static func checkAgreement(_ paths: [String]) {
        let reports = paths.map { analyze([$0]).report }
        func calls(_ report: WorkloadReport) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: report.queries.map { ($0.fingerprint, $0.calls) })
        }
        func findings(_ report: WorkloadReport) -> [String] {
            report.findings.map { "\($0.rule) \($0.fingerprint) \($0.pid ?? 0) \($0.count) \($0.parent?.fingerprint ?? "-")" }.sorted()
        }
        for report in reports.dropFirst() {
            #expect(calls(report) == calls(reports[0]))
            #expect(findings(report) == findings(reports[0]))
            #expect(report.summary.executions == reports[0].summary.executions)
            #expect(report.summary.sessions == reports[0].summary.sessions)
        }
        // csvlog and jsonlog name sessions by %c; the stderr prefix here only has %p.
        #expect(reports[1].findings.allSatisfy { $0.session.contains(".") && $0.user == "postgres" })
        #expect(reports.map(\.summary.format) == ["stderr", "csvlog", "jsonlog"])
    }

    @Test(arguments: ["app-pg_stat_statements.csv", "app-pg_stat_statements.json"])
    func statStatementsExports(file: String) throws {
        try Self.checkStatStatements(TestPaths.samples + "/" + file)
    }

    static func checkStatStatements(_ path: String) throws {
        let (report, problems) = analyze([path])
        #expect(problems.isEmpty)
        #expect(report.summary.format == "pg_stat_statements")
        // pg_stat_statements keeps `= $1` and `= ANY($1)` apart; the fingerprint merges them.
        #expect(try report.calls(of: Self.expectedCalls[0].0) == 32)
        #expect(try report.calls(of: Self.expectedCalls[2].0) == 6)
        #expect(try report.query(Self.expectedCalls[2].0)?.p95Ms == nil)
        #expect(report.findings.isEmpty)
    }

    @Test func minimumRunIsConfigurable() {
        var settings = LogAnalysis.Settings()
        settings.options.minimumRun = 9
        let (report, _) = analyze([TestPaths.samples + "/app.log"], settings: settings)
        #expect(report.findings.filter { $0.rule == "n-plus-one" }.map(\.count).sorted() == [9, 10, 10])
        #expect(report.findings.count == 3)
    }
}

/// Every workload rule's documented examples, analyzed as the log files they are.
struct WorkloadRuleExampleTests {
    @Test(arguments: WorkloadRules.all.map { $0.metadata.id })
    func examples(_ id: String) throws {
        let metadata = try #require(WorkloadRules.all.first { $0.metadata.id == id }).metadata
        #expect(!metadata.bad.isEmpty && !metadata.good.isEmpty)
        for (example, expected) in metadata.bad.map({ ($0, 1) }) + metadata.good.map({ ($0, 0) }) {
            #expect(example.language == .log)
            let path = try TestPaths.temporaryFile("example.log", contents: Array((example.text + "\n").utf8))
            let findings = analyze([path]).report.findings.filter { $0.finding.rule == id }
            #expect(findings.count == expected, "\(id): \(example.text)")
            #expect(findings.allSatisfy { $0.finding.severity == metadata.severity })
        }
    }
}
