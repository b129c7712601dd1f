import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import SargablePostgres
import Testing

/// `sargable check` end to end: a YAML file of plan checks on a throwaway database loaded from SQL.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct CheckCommandTests {
    static let schema = """
        CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL);
        CREATE TABLE invoices (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, amount int NOT NULL);
        CREATE INDEX invoices_customer_id_idx ON invoices (customer_id);
        INSERT INTO customers SELECT g, 'r' || g % 10 FROM generate_series(1, 2000) g;
        INSERT INTO invoices SELECT g, 1 + g % 2000, g % 997 FROM generate_series(1, 40000) g;
        """

    static let plans = """
        # Plan checks for the invoices page.
        database:
          load: [schema.sql]
        checks:
          invoices-of-a-customer:
            sql: SELECT * FROM invoices WHERE customer_id = $1
            parameters: [17]
            expect:
              uses-index: invoices_customer_id_idx
              estimated-rows-at-most:
                invoices: 100
          large-invoices:
            file: large.sql
            expect:
              no-seq-scan: invoices
              no-findings: [plan-seq-scan-filter, plan-sort-spill]
        """

    static func directory(plans: String = plans) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try schema.write(to: directory.url.appendingPathComponent("schema.sql"), atomically: true, encoding: .utf8)
        try "SELECT * FROM invoices WHERE amount > 990\n".write(to: directory.url.appendingPathComponent("large.sql"), atomically: true, encoding: .utf8)
        try plans.write(to: directory.url.appendingPathComponent("plans.yml"), atomically: true, encoding: .utf8)
        return directory
    }

    @Test func textSaysWhichCheckFailedAndWhy() throws {
        let directory = try Self.directory()
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "PASSED plans.yml:5: invoices-of-a-customer")
        #expect(lines.contains("FAILED plans.yml:12: large-invoices"))
        #expect(lines.contains("  failure: expected no Seq Scan on invoices, but the plan has Seq Scan on invoices"))
        #expect(lines.contains("            Filter: (amount > 990)"))
        #expect(lines.contains("  failure: expected no plan-seq-scan-filter finding, but seq scan on invoices reads 40000 rows per loop and its filter on amount removes 99.4% of them"))
        #expect(lines.last == "2 checks: 1 passed, 1 failed")
    }

    @Test func junitFollowsTheSchemaWithTheDiagnosisInTheFailure() throws {
        let directory = try Self.directory()
        let result = try Sargable.run(["check", "--format", "junit", "plans.yml"], directory: directory.url)
        #expect(result.status == 1, "\(result.stderr)")
        let document = try XMLDocument(xmlString: result.stdout)
        let root = try #require(document.rootElement())
        // The structure of the JUnit schema (Jenkins' junit-10.xsd): testsuites > testsuite >
        // testcase > failure|error|system-out, with its required attributes.
        #expect(root.name == "testsuites")
        #expect(root.attribute(forName: "tests")?.stringValue == "2")
        #expect(root.attribute(forName: "failures")?.stringValue == "1")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == 1)
        let suite = try #require(suites.first)
        for name in ["name", "tests", "failures", "errors", "skipped", "time"] { #expect(suite.attribute(forName: name) != nil, "\(name)") }
        let cases = suite.elements(forName: "testcase")
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == ["invoices-of-a-customer", "large-invoices"])
        #expect(cases.allSatisfy { $0.attribute(forName: "classname")?.stringValue == "plans.yml" })
        #expect(cases.allSatisfy { Double($0.attribute(forName: "time")?.stringValue ?? "") != nil })
        for testCase in cases {
            let elements = (testCase.children ?? []).filter { $0.kind == .element }
            #expect(elements.allSatisfy { ["failure", "error", "system-out"].contains($0.name ?? "") })
        }
        #expect(cases[0].elements(forName: "failure").isEmpty)
        let failure = try #require(cases[1].elements(forName: "failure").first)
        #expect(failure.attribute(forName: "message")?.stringValue == "expected no Seq Scan on invoices, but the plan has Seq Scan on invoices")
        #expect(failure.attribute(forName: "type")?.stringValue == "expectation")
        #expect(failure.stringValue?.contains("→ Seq Scan on invoices  (estimated ") == true)
        #expect(failure.stringValue?.contains("help: ") == true)
    }

    @Test func githubAndJSONCarryTheSameFacts() throws {
        let directory = try Self.directory()
        let github = try Sargable.run(["check", "--format", "github", "plans.yml"], directory: directory.url)
        #expect(github.status == 1)
        #expect(github.stdout.hasPrefix("::error file=plans.yml,line=12,title=large-invoices::expected no Seq Scan on invoices, but the plan has Seq Scan on invoices%0A"))
        #expect(github.stdout.split(separator: "\n").count == 2)
        let json = try Sargable.run(["check", "--format", "json", "plans.yml"], directory: directory.url)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["passed", "failed"])
        #expect(results.map { $0["line"] as? Int } == [5, 12])
        let failures = try #require(results[1]["failures"] as? [[String: Any]])
        #expect((failures.first?["message"] as? String)?.hasPrefix("expected no Seq Scan on invoices") == true)
    }

    @Test(arguments: [
        ("checks:\n  a:\n    sql: SELECT 1\n    expect:\n      uses-idx: x\n",
         "plans.yml:5: unknown expectation 'uses-idx'; use uses-index, index-backed, no-seq-scan, index-usable, no-sort-spill, estimated-rows-at-most, total-cost-at-most, no-findings, queries, no-queries, no-n-plus-one"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n    expect:\n      no-findings: select-star\n",
         "plans.yml:7: no-findings: 'select-star' is not a plan rule; use plan-seq-scan-filter, plan-row-misestimate, plan-sort-spill, plan-nested-loop-inner-scan, plan-heap-fetches, plan-hotspot"),
        ("database:\n  load: [schema.sql]\n", "plans.yml:1: no checks: give 'checks:' with at least one"),
        // Check names are test names: YAML's duplicate-key error keeps them unique.
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n  a:\n    sql: SELECT 2\n", "plans.yml:6: duplicate key 'a'"),
        ("checks:\n  a:\n    sql: SELECT 1\n    expect:\n      no-sort-spill: true\n", "plans.yml:1: no database: give 'database:' with conninfo or load"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    expect:\n      no-sort-spill: true\n", "plans.yml:4: check 'a' has no sql (or file)"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n    expect:\n      total-cost-at-most: cheap\n",
         "plans.yml:7: total-cost-at-most: takes a number, not 'cheap'"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    run: SELECT 1\n    expect:\n      queries:\n        at-mots: 3\n",
         "plans.yml:8: unknown key 'at-mots' in queries; use exactly, at-most, at-least, between, kind, on"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    run: SELECT 1\n    expect:\n      queries:\n        exactly: 1\n        kind: selects\n",
         "plans.yml:9: kind: takes select, insert, update, delete, merge, not 'selects'"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    run: SELECT 1\n    expect:\n      no-seq-scan: invoices\n",
         "plans.yml:6: a script check takes queries, no-queries, no-n-plus-one; plan expectations need sql (or file)"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n    run: SELECT 2\n    expect:\n      no-queries: true\n",
         "plans.yml:4: check 'a' has both a statement (sql or file) and a script (run or run-file); give one"),
        ("database:\n  conninfo: \"dbname=app\"\nchecks:\n  a:\n    run: SELECT 1\n    expect:\n      no-n-plus-one: true\n",
         "plans.yml:4: check 'a' runs a script, which needs 'database: load: …' (line 1 names a database by conninfo, where statements cannot be captured)"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    run-file: missing.sql\n    expect:\n      no-queries: true\n",
         "plans.yml:5: missing.sql: cannot be read"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n    commit: true\n    expect:\n      no-sort-spill: true\n",
         "plans.yml:6: commit: is for script checks (run or run-file); a plan is always rolled back"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    run: SELECT 1\n    expect:\n      queries:\n        exactly: 1\n        at-most: 2\n",
         "plans.yml:9: queries: takes one count, and 'at-most' is a second"),
    ])
    func badFilesExitTwoWithTheLine(plans: String, message: String) throws {
        let directory = try Self.directory(plans: plans)
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 2)
        #expect(result.stderr == "sargable: error: \(message)\n")
    }

    @Test func aStatementThatCannotBeExplainedIsBadInput() throws {
        let directory = try Self.directory(plans: "database:\n  load: [schema.sql]\nchecks:\n  broken:\n    sql: SELECT * FROM no_such_table\n    expect:\n      no-seq-scan: t\n")
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 2)
        #expect(result.stdout.hasPrefix("ERROR plans.yml:4: broken\n  error: relation \"no_such_table\" does not exist"))
    }

    @Test func anExistingDatabaseByConninfoAndAnUnreachableOne() throws {
        let server = try TemporaryPostgres.start(.init(createHypoPG: false))
        defer { server.stop() }
        try Connection(server.connectionString()).execute(Self.schema + "; ANALYZE")
        let plans = """
            database:
              conninfo: "\(server.connectionString())"
            checks:
              by-customer:
                sql: SELECT * FROM invoices WHERE customer_id = 5
                expect:
                  index-backed: invoices
            """
        let directory = try Self.directory(plans: plans)
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "PASSED plans.yml:4: by-customer\n1 check: 1 passed, 0 failed\n")
        let unreachable = try Self.directory(plans: plans.replacingOccurrences(of: server.socketDirectory, with: "/nonexistent"))
        let refused = try Sargable.run(["check", "plans.yml"], directory: unreachable.url)
        #expect(refused.status == 2)
        #expect(refused.stderr.hasPrefix("sargable: error: plans.yml: could not connect to host=/nonexistent "))
    }

    @Test func aCostTieIsAWarningInSystemOutAndExitsZero() throws {
        // Two equal indexes: whichever the planner takes, asserting the other is a cost tie.
        let plans = """
            database:
              load: [schema.sql, twin.sql]
            checks:
              uses-first:
                sql: SELECT * FROM invoices WHERE customer_id = 9
                expect:
                  uses-index: invoices_customer_id_idx
              uses-twin:
                sql: SELECT * FROM invoices WHERE customer_id = 9
                expect:
                  uses-index: invoices_customer_id_twin
            """
        let directory = try Self.directory(plans: plans)
        try directory.write("twin.sql", "CREATE INDEX invoices_customer_id_twin ON invoices (customer_id);\n")
        let result = try Sargable.run(["check", "--format", "junit", "plans.yml"], directory: directory.url)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let suite = try #require(try XMLDocument(xmlString: result.stdout).rootElement()?.elements(forName: "testsuite").first)
        #expect(suite.attribute(forName: "failures")?.stringValue == "0")
        let outputs = suite.elements(forName: "testcase").flatMap { $0.elements(forName: "system-out") }
        #expect(outputs.count == 1)
        #expect(outputs.first?.stringValue?.hasPrefix("warning: cost tie: expected the plan to use index invoices_customer_id_") == true)
        let text = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(text.stdout.contains("PASSED WITH WARNINGS plans.yml:"))
        #expect(text.stdout.hasSuffix("2 checks: 2 passed, 0 failed\n"))
    }

    // Scripts: the statements are captured from the server's log and counted by the library's expectations.

    @Test func aScriptsStatementsAreCountedByKindAndTable() throws {
        let plans = """
            database:
              load: [schema.sql]
            checks:
              invoice-page:
                run-file: page.sql
                expect:
                  queries:
                    exactly: 2
                    kind: select
                  no-n-plus-one: true
              invoice-page-on-customers:
                run-file: page.sql
                expect:
                  queries:
                    at-most: 0
                    on: customers
            """
        let directory = try Self.directory(plans: plans)
        // Two SELECTs and an UPDATE; the update is rolled back, so running it twice sees the same rows.
        try directory.write("page.sql", """
            SELECT region FROM customers WHERE id = 17;
            SELECT * FROM invoices WHERE customer_id = 17;
            UPDATE invoices SET amount = amount + 1 WHERE customer_id = 17;
            """)
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines == [
            "PASSED plans.yml:4: invoice-page",
            "FAILED plans.yml:11: invoice-page-on-customers",
            "  failure: expected at most 0 statements on customers, but 1 ran",
            "    counted (1):",
            "      1 × SELECT region FROM customers WHERE id = $1",
            "    also ran (2, not counted):",
            "      1 × SELECT * FROM invoices WHERE customer_id = $1",
            "      1 × UPDATE invoices SET amount = amount + $1 WHERE customer_id = $2",
            "    help: if the block now needs these statements, change the expected count (at most 0); the capture returned shows each statement",
            "2 checks: 1 passed, 1 failed",
            "",
        ])
    }

    @Test func aLoopOfSelectsFailsNoNPlusOneInEveryFormat() throws {
        let loop = (1 ... 6).map { "SELECT amount FROM invoices WHERE id = \($0)" }
        let plans = """
            database:
              load: [schema.sql]
            checks:
              one-by-one:
                run:
            \(loop.map { "      - " + $0 }.joined(separator: "\n"))
                expect:
                  no-n-plus-one: true
              all-at-once:
                run: SELECT amount FROM invoices WHERE id = ANY('{1,2,3,4,5,6}')
                expect:
                  no-n-plus-one: true
                  queries:
                    between: [1, 1]
            """
        let directory = try Self.directory(plans: plans)
        let text = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(text.status == 1, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "FAILED plans.yml:4: one-by-one")
        #expect(lines.dropFirst().first?.hasPrefix(
            "  failure: expected no N+1 queries, but the same select on invoices ran 6 times in one session with different parameters (") == true)
        #expect(Array(lines.dropFirst(2)) == [
            "    statements (by shape):",
            "      6 × SELECT amount FROM invoices WHERE id = $1",
            "    help: fetch the rows in one query: `= ANY($1)` with an array of the keys, or join invoices to the query that produced them",
            "PASSED plans.yml:14: all-at-once",
            "2 checks: 1 passed, 1 failed",
        ])

        let junit = try Sargable.run(["check", "--format", "junit", "plans.yml"], directory: directory.url)
        #expect(junit.status == 1)
        let suite = try #require(try XMLDocument(xmlString: junit.stdout).rootElement()?.elements(forName: "testsuite").first)
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
        let failure = try #require(suite.elements(forName: "testcase").first?.elements(forName: "failure").first)
        #expect(failure.attribute(forName: "message")?.stringValue?.hasPrefix("expected no N+1 queries, but the same select on invoices ran 6 times") == true)
        #expect(failure.stringValue?.contains("  6 × SELECT amount FROM invoices WHERE id = $1\n") == true)

        let github = try Sargable.run(["check", "--format", "github", "plans.yml"], directory: directory.url)
        #expect(github.stdout.hasPrefix("::error file=plans.yml,line=4,title=one-by-one::expected no N+1 queries, but the same select on invoices ran 6 times"))
        #expect(github.stdout.split(separator: "\n").count == 1)

        let json = try Sargable.run(["check", "--format", "json", "plans.yml"], directory: directory.url)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(results.map { $0["kind"] as? String } == ["queries", "queries"])
        #expect(results.map { $0["status"] as? String } == ["failed", "passed"])
    }

    @Test func aScriptRunsInATransactionThatIsRolledBackUnlessItCommits() throws {
        let plans = """
            database:
              load: [schema.sql]
            checks:
              delete-kept:
                run: DELETE FROM invoices WHERE customer_id = 5
                commit: true
                expect:
                  queries:
                    exactly: 1
                    kind: delete
              delete-rolled-back:
                run: DELETE FROM invoices WHERE customer_id = 6
                expect:
                  no-queries: true
              own-transaction:
                run: [BEGIN, SELECT 1 FROM invoices, COMMIT]
                expect:
                  no-n-plus-one: true
              # Division by zero (an error, exit 2) unless customer 5's invoices are gone and 6's are still there.
              what-later-checks-see:
                run: SELECT 1 / (count(*) FILTER (WHERE customer_id = 5) = 0 AND count(*) FILTER (WHERE customer_id = 6) > 0)::int FROM invoices
                expect:
                  queries:
                    exactly: 1
            """
        let directory = try Self.directory(plans: plans)
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 2, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "PASSED plans.yml:4: delete-kept")
        #expect(lines.contains("FAILED plans.yml:11: delete-rolled-back"))
        #expect(lines.contains("  failure: expected no statements, but 1 ran"))
        #expect(lines.contains("ERROR plans.yml:15: own-transaction"))
        #expect(lines.contains("PASSED plans.yml:20: what-later-checks-see"))
        #expect(lines.contains("  error: check 'own-transaction': statement 1 is transaction control, but the script runs in a transaction "
            + "that is rolled back; remove it, or say 'commit: true' to run the script as written"))
    }

    @Test func aScriptStatementThatFailsIsBadInputAndSetUpIsNotCounted() throws {
        let plans = """
            database:
              load: [schema.sql]
            checks:
              broken:
                run: SELECT * FROM invoices; SELECT * FROM no_such_table
                expect:
                  no-queries: true
              only-settings:
                run: SET work_mem = '8MB'
                expect:
                  queries:
                    at-least: 1
              only-comments:
                run-file: comments.sql
                expect:
                  queries:
                    at-least: 1
            """
        let directory = try Self.directory(plans: plans)
        try directory.write("comments.sql", "-- the page's queries, still to be written\n")
        let result = try Sargable.run(["check", "plans.yml"], directory: directory.url)
        #expect(result.status == 2, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "ERROR plans.yml:4: broken")
        #expect(lines.dropFirst().first?.hasPrefix("  error: check 'broken': statement 2 failed: ") == true)
        #expect(lines.dropFirst().first?.contains("relation \"no_such_table\" does not exist") == true)
        // The library's capture options: SET is the connection's set-up, left out and said so.
        #expect(Array(lines.drop { $0 != "FAILED plans.yml:8: only-settings" }.dropFirst().prefix(4)) == [
            "  failure: expected at least 1 statement, but 0 ran",
            "    left out: 1 connection set-up (CaptureOptions counts them)",
            "    help: the block ran none of these: check it reaches the code path, and that the code uses this database",
            "FAILED plans.yml:13: only-comments",
        ])
        // Nothing at all reached the server: the library's own failure, not a count of 0.
        let nothing = try #require(lines.drop { $0 != "FAILED plans.yml:13: only-comments" }.dropFirst().first)
        #expect(nothing.hasPrefix("  failure: No statement was captured: the block ran no SQL on the test database sargable_test_check_"))
        #expect(lines.last == "3 checks: 0 passed, 3 failed")
    }
}
