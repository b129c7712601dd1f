import Foundation
import SargableCore
import Testing
@testable import SargableSyntax

/// PostgreSQL's own regression scripts, kept beside the repository (never in it).
enum SharedCorpus {
    static let directory: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("shared/corpus/postgres-regress").path
    }()

    static var isPresent: Bool { FileManager.default.fileExists(atPath: directory) }
}

@Suite("PostgreSQL regression corpus", .enabled(if: SharedCorpus.isPresent, "../shared/corpus/postgres-regress is absent"))
struct CorpusTests {
    @Test func everyStatementParsesOrHasALocatedError() throws {
        let (paths, errors) = InputFiles.expand([SharedCorpus.directory], extensions: [".sql"])
        #expect(errors.isEmpty)
        #expect(paths.count == 213)
        let summaries = LargeStack.parallelMap(paths) { path -> (statements: Int, parsed: Int, failed: Int, problems: [String]) in
            guard let bytes = try? InputFiles.read(path) else { return (0, 0, 0, ["unreadable \(path)"]) }
            let document = SQLDocument(file: SourceFile(path: path, contents: bytes))
            var problems: [String] = []
            var parsed = 0, failed = 0
            for statement in document.parse() {
                // Meta-commands must never leak into statements.
                if statement.source.text.hasPrefix("\\") { problems.append("\(path): statement starts with a backslash") }
                switch statement.result {
                case .success(let root):
                    parsed += 1
                    if root.kind == nil { problems.append("\(path): untyped root \(root.kindName ?? "?")") }
                case .failure(let error):
                    failed += 1
                    let located = document.locate(error, in: statement.source)
                    if located.position.line < 1 || located.byteOffset < statement.source.range.lowerBound
                        || located.byteOffset > statement.source.range.upperBound {
                        problems.append("\(located): outside its statement")
                    }
                }
            }
            return (document.statements.count, parsed, failed, problems)
        }
        let problems = summaries.flatMap(\.problems)
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        let statements = summaries.reduce(0) { $0 + $1.statements }
        let failed = summaries.reduce(0) { $0 + $1.failed }
        #expect(statements > 39_000)
        // The scripts test error handling on purpose: some statements fail, the great majority parse.
        #expect(failed > 100 && failed < statements / 50)
    }

    @Test func windowParsingAndScannerSplitAgree() throws {
        // The fast path (whole stretches parsed at once) finds the scanner split's statements, except
        // that the parser keeps a `BEGIN ATOMIC … END` body whole where the scanner cuts at each `;`:
        // every fast-path statement is tiled exactly by consecutive scanner-split statements.
        let (paths, _) = InputFiles.expand([SharedCorpus.directory], extensions: [".sql"])
        let mismatches = LargeStack.parallelMap(paths) { path -> String? in
            guard let bytes = try? InputFiles.read(path) else { return path }
            let file = SourceFile(path: path, contents: bytes)
            let fast = SQLDocument(file: file, parsing: true).statements.map(\.range)
            let split = SQLDocument(file: file, parsing: false).statements.map(\.range)
            var index = 0
            for range in fast {
                guard index < split.count, split[index].lowerBound == range.lowerBound else { return "\(path): \(range)" }
                while index < split.count, split[index].upperBound < range.upperBound { index += 1 }
                guard index < split.count, split[index].upperBound == range.upperBound else { return "\(path): \(range)" }
                index += 1
            }
            return index == split.count ? nil : "\(path): \(split.count - index) statements left over"
        }.compactMap { $0 }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
