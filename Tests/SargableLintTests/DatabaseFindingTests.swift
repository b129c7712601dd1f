import SargableCore
import SargableLint
import SargableRules
import SargableSchema
import SargableSyntax
import Testing

/// Database findings go through the same path as the files' findings: configuration grades or
/// drops them, and a suppression on the statement that creates their object silences them.
@Suite("database findings in the lint engine")
struct DatabaseFindingTests {
    static let unused = DatabaseFinding(
        object: RelationName(name: "orders_status_idx"), table: RelationName(name: "orders"),
        finding: Finding(rule: UnusedIndex.metadata.id, severity: UnusedIndex.metadata.severity,
                         message: "index orders_status_idx (status) on orders has not been scanned since statistics were reset (2.1 MB)",
                         help: "drop index concurrently orders_status_idx"))
    static let noKey = DatabaseFinding(
        object: RelationName(name: "events"),
        finding: Finding(rule: "missing-primary-key", severity: .warning, message: "table events has no primary key",
                         help: "alter table events add primary key (…), or add an identity column"))

    func lint(_ sql: String, configuration: Configuration = Configuration(),
              databaseFindings: [DatabaseFinding]? = [unused, noKey]) -> LintReport {
        Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all, configuration: configuration)
            .lint([SQLDocument(path: "001_indexes.sql", text: sql)], databaseFindings: databaseFindings)
    }

    @Test func aFindingIsPlacedAtTheStatementThatCreatesItsObject() throws {
        let report = lint("SELECT 1;\nCREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n")
        let placed = try #require(report.findings.first { $0.rule == "unused-index" })
        #expect(placed.file == "001_indexes.sql")
        #expect(placed.span?.start == SourcePosition(line: 2, column: 1))
        // No file creates `events`: that finding is on the database itself.
        let unplaced = try #require(report.findings.first { $0.rule == "missing-primary-key" })
        #expect(unplaced.file == nil && unplaced.span == nil)
    }

    /// Lints `files` (path, text) as migrations in path order.
    func lint(files: [(String, String)]) -> LintReport {
        Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all)
            .lint(files.map { SQLDocument(path: $0.0, text: $0.1) }, databaseFindings: [Self.unused, Self.noKey])
    }

    func place(_ report: LintReport, _ rule: String) -> String? {
        report.findings.first { $0.rule == rule }.flatMap { finding in finding.file.map { "\($0):\(finding.span?.start.line ?? 0)" } }
    }

    @Test func anIndexNoFileCreatesIsPlacedWhereItsTableIsCreated() {
        let report = lint(files: [
            ("001_tables.sql", "SELECT 1;\nCREATE TABLE orders (id bigint PRIMARY KEY, status text);\n"),
            ("002_more.sql", "CREATE TABLE events (id bigint);\n"),
        ])
        #expect(place(report, "unused-index") == "001_tables.sql:2")
        #expect(place(report, "missing-primary-key") == "002_more.sql:1")
    }

    @Test func creatingTheObjectWinsOverAnEarlierMention() {
        let report = lint(files: [
            ("001_reads.sql", "SELECT count(*) FROM events;\nSELECT status FROM orders;\n"),
            ("002_tables.sql", "CREATE TABLE events (id bigint);\n"),
        ])
        #expect(place(report, "missing-primary-key") == "002_tables.sql:1")
        // Nothing creates orders or its index: the first statement that names orders.
        #expect(place(report, "unused-index") == "001_reads.sql:2")
    }

    @Test func anObjectNoFileNamesStaysOnTheDatabase() throws {
        let report = lint(files: [("001.sql", "SELECT 1;\n")])
        #expect(report.findings.filter { $0.file == nil }.map(\.rule).sorted() == ["missing-primary-key", "unused-index"])
    }

    @Test func aSuppressionSilencesADatabaseFinding() {
        let report = lint("""
            -- sargable-ignore unused-index: read by the month-end report only
            CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
            """)
        #expect(report.findings.map(\.rule) == ["missing-primary-key"], "\(report.findings.map(\.message))")
    }

    @Test func theSameSuppressionWithoutTheFindingIsUnused() {
        let sql = """
            -- sargable-ignore unused-index: read by the month-end report only
            CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
            """
        // The database was read and the index was used after all: the comment silenced nothing.
        let used = lint(sql, databaseFindings: [])
        #expect(used.findings.map(\.message) == ["suppression of unused-index silenced nothing"])
        // Without --database nobody can tell: the comment is neither unknown nor unused.
        #expect(lint(sql, databaseFindings: nil).findings.isEmpty)
    }

    @Test func configurationGradesAndDropsDatabaseFindings() throws {
        var configuration = Configuration()
        configuration.severities["unused-index"] = .error
        configuration.disabledRules.insert("missing-primary-key")
        let report = lint("CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);", configuration: configuration)
        #expect(report.findings.map(\.rule) == ["unused-index"])
        #expect(report.findings.first?.severity == .error)
    }
}
