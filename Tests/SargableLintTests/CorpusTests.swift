import Foundation
import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

private let corpus = repositoryRoot + "/../shared/corpus/postgres-regress"

/// PostgreSQL's regression scripts: psql meta-commands, COPY data, deliberate syntax errors, every
/// statement kind. Skipped when ../shared is absent.
@Test(.enabled(if: FileManager.default.fileExists(atPath: corpus), "needs ../shared/corpus/postgres-regress"))
func lintsTheWholeRegressionCorpus() throws {
    let (paths, expandErrors) = InputFiles.expand([corpus], extensions: [".sql"])
    #expect(expandErrors.isEmpty)
    #expect(paths.count >= 200)
    let files = try paths.map { SourceFile(path: $0, contents: try InputFiles.read($0)) }
    let report = LargeStack.run { Linter(rules: RuleRegistry.sqlRules).lint(files: files) }
    #expect(report.files == paths.count)

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
