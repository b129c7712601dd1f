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
         "plans.yml:5: unknown expectation 'uses-idx'; use uses-index, index-backed, no-seq-scan, index-usable, no-sort-spill, estimated-rows-at-most, total-cost-at-most, no-findings"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n    expect:\n      no-findings: select-star\n",
         "plans.yml:7: no-findings: 'select-star' is not a plan rule; use plan-seq-scan-filter, plan-row-misestimate, plan-sort-spill, plan-nested-loop-inner-scan, plan-heap-fetches, plan-hotspot"),
        ("database:\n  load: [schema.sql]\n", "plans.yml:1: no checks: give 'checks:' with at least one"),
        // Check names are test names: YAML's duplicate-key error keeps them unique.
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n  a:\n    sql: SELECT 2\n", "plans.yml:6: duplicate key 'a'"),
        ("checks:\n  a:\n    sql: SELECT 1\n    expect:\n      no-sort-spill: true\n", "plans.yml:1: no database: give 'database:' with conninfo or load"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    expect:\n      no-sort-spill: true\n", "plans.yml:4: check 'a' has no sql (or file)"),
        ("database:\n  load: [schema.sql]\nchecks:\n  a:\n    sql: SELECT 1\n    expect:\n      total-cost-at-most: cheap\n",
         "plans.yml:7: total-cost-at-most: takes a number, not 'cheap'"),
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
}
