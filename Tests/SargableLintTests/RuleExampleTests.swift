import Foundation
import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

/// One documented example of one rule, as written or behind a multibyte comment line.
struct RuleExampleCase: Sendable, CustomTestStringConvertible {
    let rule: String
    let isBad: Bool
    let index: Int
    let text: String
    let prefix: String

    var testDescription: String {
        "\(rule) \(isBad ? "bad" : "good") #\(index + 1)\(prefix.isEmpty ? "" : " (multibyte prefix)")"
    }

    /// A prefix whose characters take 1, 3 and 2 bytes: byte/character offset mix-ups move the caret.
    static let multibytePrefix = "-- ✓ é\n"

    static let all: [RuleExampleCase] = RuleRegistry.sqlRules.flatMap { rule -> [RuleExampleCase] in
        let metadata = rule.metadata
        let examples = metadata.bad.enumerated().map { (true, $0.offset, $0.element.text) }
            + metadata.good.enumerated().map { (false, $0.offset, $0.element.text) }
        return examples.flatMap { isBad, index, text in
            ["", multibytePrefix].map { RuleExampleCase(rule: metadata.id, isBad: isBad, index: index, text: text, prefix: $0) }
        }
    }
}

/// Line and column (in Unicode scalars) of a byte offset, counted independently of `SourceFile`.
func expectedPosition(ofByte target: Int, in text: String) -> SourcePosition {
    var line = 1, column = 1, bytes = 0
    for scalar in text.unicodeScalars {
        if bytes >= target { break }
        bytes += String(scalar).utf8.count
        if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
    }
    return SourcePosition(line: line, column: column)
}

@Test(arguments: RuleExampleCase.all)
func ruleExample(_ example: RuleExampleCase) {
    let (sql, markers) = RuleCatalogue.stripMarkers(example.text)
    let source = example.prefix + sql
    let document = SQLDocument(path: "example.sql", text: source)
    let report = Linter(rules: RuleRegistry.sqlRules).lint([document])
    #expect(report.errors.isEmpty, "examples must parse: \(report.errors)")
    let found = report.findings.filter { $0.rule == example.rule }.compactMap { $0.span?.start }
    if example.isBad {
        #expect(!markers.isEmpty, "a bad example marks each expected finding with ↓")
        let expected = markers.map { expectedPosition(ofByte: $0 + example.prefix.utf8.count, in: source) }
        #expect(found == expected)
    } else {
        #expect(markers.isEmpty, "good examples carry no ↓")
        #expect(found.isEmpty, "\(report.findings.filter { $0.rule == example.rule }.map(\.message))")
    }
}

@Test func everyRuleIsDocumentedWithExamples() {
    let metadata = RuleRegistry.allMetadata
    #expect(Set(metadata.map(\.id)).count == metadata.count, "rule ids are unique")
    for rule in RuleRegistry.sqlRules.map({ $0.metadata }) {
        #expect(rule.id.allSatisfy { $0.isLowercase || $0 == "-" }, "\(rule.id) is kebab-case")
        #expect(!rule.bad.isEmpty && !rule.good.isEmpty, "\(rule.id) has bad and good examples")
        #expect(!rule.rationale.isEmpty && !rule.fix.isEmpty)
    }
}

@Test func catalogueHasEveryRuleTheIssueNames() {
    let required = [
        "select-star", "non-sargable-predicate", "unbounded-select", "offset-pagination", "leading-wildcard-like",
        "unfiltered-write", "not-in-subquery", "order-by-random", "implicit-cross-join", "missing-primary-key",
        "unindexed-foreign-key", "foreign-key-without-on-delete", "array-column", "index-not-concurrent",
        "add-foreign-key-validating", "adding-required-column", "column-type-change", "set-not-null",
        "rename-column", "rename-table",
    ]
    let ids = Set(RuleRegistry.allMetadata.map(\.id))
    #expect(required.filter { !ids.contains($0) } == [])
}

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Test func generatedCatalogueIsFresh() throws {
    let path = repositoryRoot + "/Rules/README.md"
    let committed = try String(contentsOfFile: path, encoding: .utf8)
    let generated = RuleCatalogue.markdown(RuleRegistry.allMetadata, options: RuleRegistry.options)
    #expect(committed == generated, "Rules/README.md is stale: run `swift run sargable rules --markdown > Rules/README.md`")
}
