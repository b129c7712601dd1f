import Foundation
import SargableCore
import SargableLint
import SargableRules
import SargableSyntax
import Testing

/// One documented example of one rule, in one of the ways the harness runs it.
struct RuleExampleCase: Sendable, CustomTestStringConvertible {
    enum Variant: String, Sendable, CaseIterable {
        /// As written.
        case plain = ""
        /// Behind a comment line whose characters take 1, 3 and 2 bytes: byte/character offset
        /// mix-ups move the caret.
        case multibytePrefix = " (multibyte prefix)"
        /// Each statement with an expected finding behind `-- sargable-ignore <id>: …` (bad examples).
        case suppressed = " (suppressed)"
        /// Inside `/* … */`: nothing is reported.
        case commentedOut = " (commented out)"
    }

    let rule: String
    let isBad: Bool
    let index: Int
    let example: RuleExample
    let variant: Variant

    var testDescription: String { "\(rule) \(isBad ? "bad" : "good") #\(index + 1)\(variant.rawValue)" }

    static let multibytePrefix = "-- ✓ é\n"

    static let all: [RuleExampleCase] = RuleRegistry.sqlRules.flatMap { rule -> [RuleExampleCase] in
        let metadata = rule.metadata
        let examples = metadata.bad.enumerated().map { (true, $0.offset, $0.element) }
            + metadata.good.enumerated().map { (false, $0.offset, $0.element) }
        return examples.flatMap { isBad, index, example in
            // Meta findings are about the suppression comments themselves: configuration turns them off.
            Variant.allCases.filter { $0 != .suppressed || (isBad && metadata.category != .meta) }.map {
                RuleExampleCase(rule: metadata.id, isBad: isBad, index: index, example: example, variant: $0)
            }
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

/// The linter as an example runs: every SQL rule, with the example's options for its rule.
func exampleLinter(_ example: RuleExampleCase) -> Linter {
    var configuration = Configuration()
    // Opt-in rules run their examples turned on.
    configuration.enabledRules.insert(example.rule)
    if !example.example.options.isEmpty { configuration.options[example.rule] = example.example.options }
    return Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all, configuration: configuration)
}

@Test(arguments: RuleExampleCase.all)
func ruleExample(_ example: RuleExampleCase) throws {
    let (sql, spans) = RuleCatalogue.markedSpans(example.example.text)
    switch example.variant {
    case .plain, .multibytePrefix:
        let prefix = example.variant == .multibytePrefix ? RuleExampleCase.multibytePrefix : ""
        let source = prefix + sql
        let report = exampleLinter(example).lint([SQLDocument(path: "example.sql", text: source)])
        #expect(report.errors.isEmpty, "examples must parse: \(report.errors)")
        let found = report.findings.filter { $0.rule == example.rule }
        guard example.isBad else {
            #expect(spans.isEmpty, "good examples carry no ↓")
            #expect(found.isEmpty, "\(found.map(\.message))")
            return
        }
        #expect(!spans.isEmpty, "a bad example marks each expected finding with ↓")
        let shift = prefix.utf8.count
        #expect(found.compactMap { $0.span?.start } == spans.map { expectedPosition(ofByte: $0.start + shift, in: source) })
        // Unless marked with ↑, a finding covers the token at ↓, as the scanner reads it.
        let tokens = try PgQuery.scan(sql)
        let ends = spans.map { span in
            span.end ?? tokens.first { $0.range.lowerBound == span.start }?.range.upperBound ?? span.start + 1
        }
        #expect(found.compactMap { $0.span?.byteRange.upperBound } == ends.map { $0 + shift })
    case .suppressed:
        // Statements (of the example as written) that hold a ↓ get the suppression comment.
        let statements = SQLDocument(path: "example.sql", text: sql).statements.map(\.range)
        var source = ""
        var copied = sql.utf8.startIndex
        let bytes = sql.utf8
        for statement in statements where spans.contains(where: { statement.contains($0.start) }) {
            let start = bytes.index(bytes.startIndex, offsetBy: statement.lowerBound)
            source += String(decoding: bytes[copied ..< start], as: UTF8.self)
            source += "-- sargable-ignore \(example.rule): documented example\n"
            copied = start
        }
        source += String(decoding: bytes[copied...], as: UTF8.self)
        let report = exampleLinter(example).lint([SQLDocument(path: "example.sql", text: source)])
        #expect(report.findings.filter { $0.rule == example.rule || $0.rule == Linter.unusedSuppressionRule }.isEmpty,
                "\(report.findings.map(\.message))")
    case .commentedOut:
        let report = exampleLinter(example).lint([SQLDocument(path: "example.sql", text: "/* " + sql + " */\n")])
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
        #expect(report.errors.isEmpty)
    }
}

@Test func everyRuleIsDocumentedWithExamples() {
    let metadata = RuleRegistry.allMetadata
    #expect(Set(metadata.map(\.id)).count == metadata.count, "rule ids are unique")
    for rule in metadata {
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

/// A rule type declared in `Rules/` or `Sources/SargableLogs/` but missing from the registry would
/// never run: every declaration `enum Name: SQLRule` (or PlanRule, DatabaseRule, WorkloadRule) is
/// in `RuleRegistry`.
@Test func everyRuleTypeIsInTheRegistry() throws {
    let registered = Set(RuleRegistry.sqlRules.map { String(describing: $0) } + RuleRegistry.planRules.map { String(describing: $0) }
        + RuleRegistry.databaseRules.map { String(describing: $0) } + RuleRegistry.healthRules.map { String(describing: $0) }
        + RuleRegistry.workloadRules.map { String(describing: $0) })
    var declared: [String] = []
    for folder in ["Rules", "Sources/SargableLogs"] {
        let root = repositoryRoot + "/" + folder
        let files = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".swift") }
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("public enum ") {
                let words = line.dropFirst("public enum ".count).split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "{" || $0 == "," })
                guard let name = words.first, words.dropFirst().contains(where: {
                    ["SQLRule", "PlanRule", "DatabaseRule", "HealthRule", "WorkloadRule"].contains(String($0))
                }) else { continue }
                declared.append(String(name))
            }
        }
    }
    #expect(declared.count > 30, "the scan finds the rule declarations")
    #expect(declared.filter { !registered.contains($0) } == [])
}

@Test func workloadRulesAreInTheCatalogue() {
    let workload = RuleRegistry.allMetadata.filter { $0.category == .workload }.map(\.id)
    #expect(workload == ["n-plus-one", "row-by-row-insert", "repeated-identical-query"])
    #expect(RuleRegistry.all.filter { $0.input == .workload }.count == 3)
}

/// The README's architecture table names each module's dependencies; Package.swift declares them.
@Test func readmeArchitectureTableMatchesPackageSwift() throws {
    let package = try String(contentsOfFile: repositoryRoot + "/Package.swift", encoding: .utf8)
    var declared: [String: Set<String>] = [:]
    for part in package.components(separatedBy: ".target(name: \"").dropFirst() {
        guard let name = part.split(separator: "\"").first else { continue }
        let dependencies = part.components(separatedBy: "dependencies: [").dropFirst().first?
            .split(separator: "]").first.map { $0.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) } } ?? []
        declared[String(name)] = Set(dependencies)
    }
    let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
    var documented: [String: Set<String>] = [:]
    for line in readme.split(separator: "\n") where line.hasPrefix("| `Sargable") || line.hasPrefix("| `Rules/`") {
        let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { String($0.drop { $0 == " " }) }
        guard cells.count >= 4 else { continue }
        let names = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        guard let name = names.first(where: { $0.hasPrefix("Sargable") }), name != "SargableCLI" else { continue }
        documented[name] = Set(cells[3].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) })
    }
    #expect(documented.count >= 9, "the table lists the modules")
    for (name, dependencies) in documented {
        #expect(declared[name] == dependencies, "\(name): README says \(dependencies.sorted()), Package.swift \(declared[name].map { $0.sorted() } ?? [])")
    }
}
