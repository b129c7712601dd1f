import SargableCore
import SargableLint
import SargablePostgres
import SargableRules
import SargableSyntax
import Testing

/// Every example of a rule that reads the live catalog's schema (the checklist's rules have
/// HealthRuleExampleTests), run on a throwaway server: each statement
/// is executed (a failing one, such as a CREATE INDEX CONCURRENTLY over duplicates, is part of the
/// story), the catalog is read, and the findings, placed by the linter at the statement that
/// creates their object, must be exactly where the `↓` are.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct DatabaseRuleExampleTests {
    @Test(arguments: RuleRegistry.all.filter { $0 is any DatabaseRule.Type }.map { $0.metadata.id })
    func examples(_ id: String) throws {
        let metadata = try #require(RuleRegistry.all.first { $0.metadata.id == id }).metadata
        #expect(!metadata.bad.isEmpty && !metadata.good.isEmpty)
        for (index, example) in (metadata.bad.map { ($0, true) } + metadata.good.map { ($0, false) }).enumerated() {
            let (sql, markers) = RuleCatalogue.stripMarkers(example.0.text)
            #expect(markers.isEmpty != example.1, "\(id): bad examples mark their findings with ↓, good ones do not")
            let document = SQLDocument(path: "example.sql", text: sql)
            let (conninfo, connection) = try TestServer.freshDatabase("example_\(index)")
            for statement in document.statements { _ = try? connection.execute(statement.text) }
            // Scan counters reach other sessions once flushed.
            try connection.query("SELECT pg_stat_force_next_flush()")
            let schema = try Catalog.read(try Connection(conninfo))
            let report = Linter(rules: [], catalogue: RuleRegistry.all)
                .lint([document], databaseFindings: DatabaseChecks.run(schema))
            let found = report.findings.filter { $0.rule == id }
            #expect(found.compactMap { $0.span?.byteRange.lowerBound } == markers, "\(id): \(found.map(\.message))")
            #expect(found.count == markers.count, "\(id): every finding is placed at a statement of the example")
        }
    }
}
