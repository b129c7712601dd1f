import Foundation
import SargableCore
import SargableLint
import SargableRules
import SargableSchema
import SargableSyntax
import Testing

private let corpus = repositoryRoot + "/../shared/corpus/postgres-regress"

/// Every `.sql` file under `directory`, read and linted with every SQL rule.
private func lintCorpus(_ directory: String, atLeast count: Int) throws -> (files: [SourceFile], report: LintReport) {
    let (paths, expandErrors) = InputFiles.expand([directory], extensions: [".sql"])
    #expect(expandErrors.isEmpty)
    #expect(paths.count >= count)
    let files = try paths.map { SourceFile(path: $0, contents: try InputFiles.read($0)) }
    let report = LargeStack.run { Linter(rules: RuleRegistry.sqlRules).lint(files: files) }
    #expect(report.files == paths.count)
    return (files, report)
}

/// PostgreSQL's regression scripts: psql meta-commands, COPY data, deliberate syntax errors, every
/// statement kind. Skipped when ../shared is absent.
@Test(.enabled(if: FileManager.default.fileExists(atPath: corpus), "needs ../shared/corpus/postgres-regress"))
func lintsTheWholeRegressionCorpus() throws {
    let (_, report) = try lintCorpus(corpus, atLeast: 200)

    // Every statement that does not parse is in `errors`, located inside its file.
    var unparsed = 0
    for document in report.documents {
        let parsed = LargeStack.run { document.parse() }
        unparsed += parsed.filter { $0.error != nil }.count + document.diagnostics.count
    }
    #expect(unparsed > 0, "the corpus has deliberate syntax errors")
    #expect(report.errors.count == unparsed)
    let lineCounts = Dictionary(uniqueKeysWithValues: report.documents.map { ($0.file.path, $0.file.lineStarts.count) })
    for error in report.errors {
        #expect(error.line >= 1 && error.line <= (lineCounts[error.file] ?? 0) && error.column >= 1, "\(error)")
    }
    for finding in report.findings {
        let span = try #require(finding.span)
        #expect(span.start.line >= 1 && span.start <= span.end, "\(finding)")
    }
    #expect(!report.findings.isEmpty)
}

private let mattermost = repositoryRoot + "/../shared/corpus/mattermost-migrations"

/// Mattermost's PostgreSQL migration history (up and down files, DO blocks, IF NOT EXISTS
/// upgrades). Skipped when ../shared is absent.
@Test(.enabled(if: FileManager.default.fileExists(atPath: mattermost), "needs ../shared/corpus/mattermost-migrations"))
func lintsTheMattermostMigrationHistory() throws {
    let (files, report) = try lintCorpus(mattermost, atLeast: 300)
    #expect(report.errors.isEmpty, "\(report.errors.prefix(3))")

    // A key added after CREATE TABLE (here inside a DO block) is a key: every missing-primary-key
    // finding is on a table the replayed history leaves without one.
    for finding in report.findings where finding.rule == "missing-primary-key" {
        let name = finding.message.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        #expect(report.schema.table(RelationName(name: name))?.primaryKey == nil, "\(finding.message)")
    }
    #expect(report.schema.table(RelationName(name: "reactions"))?.primaryKey == ["postid", "userid", "emojiname"])

    // Down files run after their up files: an index a down file re-creates may repeat one, an up
    // file's never does here (path order used to replay each down file first).
    let duplicates = report.findings.filter { $0.rule == "duplicate-index" }
    let inUpFiles = duplicates.filter { ($0.file ?? "").hasSuffix(".up.sql") && !$0.message.contains("do block") }
    #expect(inUpFiles.isEmpty, "\(inUpFiles.map(\.message))")
    // A down file sees its up file's columns, so its type changes are judged; DO blocks are linted.
    #expect(report.findings.contains { $0.rule == "column-type-change" && ($0.file ?? "").hasSuffix(".down.sql") })
    #expect(report.findings.contains { $0.message.hasSuffix("(in a conditional branch of a do block: it may run)") })
    // Up files alone, in version order, are the schema: each down file left it alone.
    let upOnly = LargeStack.run { Linter(rules: RuleRegistry.sqlRules).lint(files: files.filter { $0.path.hasSuffix(".up.sql") }) }
    #expect(upOnly.schema.sortedTables == report.schema.sortedTables)
}
