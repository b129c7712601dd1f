import Foundation
import SargableCore
import SargableRules
import SargableSyntax
import Testing

/// Sargable as a dependency: what a package that imports the `SargableLint` product gets.
@Suite("the library")
struct LibraryTests {
    @Test func aStringIsLintedInOneLineWithEveryRule() {
        let sql = "SELECT * FROM users WHERE id = 1;\nDELETE FROM orders;\n"
        let report = Linter().lint(sql: sql, path: "q.sql")
        let explicit = Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all).lint([SQLDocument(path: "q.sql", text: sql)])
        #expect(report.findings == explicit.findings)
        #expect(Set(report.findings.map(\.rule)).isSuperset(of: ["select-star", "unfiltered-write"]))
    }

    @Test func theREADMEExampleDoesWhatItSays() throws {
        // The README's three lines, with the output its comment shows.
        let report = Linter().lint(sql: "SELECT * FROM users WHERE id = 1", path: "query.sql")
        #expect(report.findings.map(\.description).contains { $0.hasPrefix("query.sql:1:8: warning[select-star]: ") })
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("""
            import SargableRules
            let report = Linter().lint(sql: "SELECT * FROM users WHERE id = 1", path: "query.sql")
            for finding in report.findings { print(finding) }   // query.sql:1:8: warning[select-star]: …
            """))
    }

    @Test func theDefaultLinterKnowsEveryRuleId() {
        // A suppression of a database rule is neither unknown nor, without a database, unused.
        let report = Linter().lint(sql: "-- sargable-ignore unused-index: read by the month-end report\nCREATE INDEX CONCURRENTLY i ON t (a);\n")
        #expect(report.findings.isEmpty, "\(report.findings.map(\.message))")
    }

    @Test func spansAndFindingsPrintWhereTheyAre() throws {
        let findings = Linter().lint(sql: "SELECT 1;\nSELECT * FROM users;\n", path: "db/q.sql").findings
        let finding = try #require(findings.first { $0.rule == "select-star" })
        let span = try #require(finding.span)
        #expect(span.description == "db/q.sql:2:8")
        #expect(finding.description == "db/q.sql:2:8: warning[select-star]: \(finding.message)")
        #expect(SourceSpan(start: .init(line: 3, column: 4), end: .init(line: 3, column: 5), byteRange: 0 ..< 1).description == "3:4")
    }
}

/// The package's shape, from `swift package dump-package`: library products never pull in the
/// command line's argument parser, and every module a library product's API can mention (its
/// targets' dependencies) is a library product as well.
@Suite(.enabled(if: packageDescription != nil, "needs `swift package dump-package` (the Swift toolchain on PATH)"))
struct PackageShapeTests {
    let package = packageDescription.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]

    var targets: [String: [String]] {
        var result: [String: [String]] = [:]
        for target in package["targets"] as? [[String: Any]] ?? [] {
            guard let name = target["name"] as? String else { continue }
            result[name] = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
                // {"byName": ["X", null]}, {"target": ["X", null]}, {"product": ["ArgumentParser", "swift-argument-parser", …]}
                ((dependency["byName"] ?? dependency["target"] ?? dependency["product"]) as? [Any])?.first as? String
            }
        }
        return result
    }

    var libraries: [String: [String]] {
        var result: [String: [String]] = [:]
        for product in package["products"] as? [[String: Any]] ?? [] where (product["type"] as? [String: Any])?["library"] != nil {
            result[product["name"] as? String ?? ""] = product["targets"] as? [String] ?? []
        }
        return result
    }

    /// `targets` and everything they depend on, transitively.
    func closure(_ names: [String]) -> Set<String> {
        var seen = Set<String>(), stack = names
        while let name = stack.popLast() {
            if seen.insert(name).inserted { stack += targets[name] ?? [] }
        }
        return seen
    }

    @Test func librariesDoNotPullInTheArgumentParser() {
        #expect(!libraries.isEmpty)
        for (product, members) in libraries {
            #expect(!closure(members).contains("ArgumentParser"), "\(product)")
            #expect(!closure(members).contains("SargableCLI"), "\(product)")
        }
    }

    /// Modules a target re-exports (`@_exported import X`): a product with that target exports them too.
    func reExported(by target: String) -> [String] {
        let description = (package["targets"] as? [[String: Any]] ?? []).first { $0["name"] as? String == target }
        let directory = packageRoot.appendingPathComponent(description?["path"] as? String ?? "Sources/\(target)")
        let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        return files.flatMap { file in
            ((try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)) ?? "")
                .matches(of: /@_exported import (\w+)/).map { String($0.output.1) }
        }
    }

    @Test func everyModuleALibraryMentionsIsAProduct() {
        let members = Set(libraries.values.joined())
        let exported = members.union(members.flatMap(reExported))
        let systemLibraries = Set((package["targets"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "system" }
            .compactMap { $0["name"] as? String })
        for (product, members) in libraries {
            let missing = closure(members).subtracting(exported).subtracting(systemLibraries)
            #expect(missing.isEmpty, "\(product) depends on \(missing.sorted()), which no library product exports")
        }
        for module in ["SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis", "SargablePlan", "SargableLint",
                       "SargableRules", "SargableLogs", "SargablePostgres"] {
            #expect(exported.contains(module), "\(module)")
        }
    }
}

private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The manifest as JSON; a scratch directory of its own keeps it clear of the running build's lock.
let packageDescription: Data? = {
    let root = packageRoot
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sargable-dump-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let swift = Subprocess("swift", ["package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"],
                           errors: .discard)
    guard let result = try? swift.run(), result.status == 0 else { return nil }
    return Data(result.output)
}()

/// The documentation a library user reads (the DocC plugin is not available offline, so the
/// comments are checked instead): every top-level public type of a library module has a `///`
/// comment. Rules are documented by their metadata, which the catalogue tests check.
@Test func everyPublicTypeIsDocumented() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let modules = ["SargableCore", "SargableSyntax", "SargableSchema", "SargableAnalysis", "SargablePlan", "SargableLint",
                   "SargableLogs", "SargablePostgres"].map { "Sources/" + $0 } + ["Rules"]
    let declaration = /^public (?:final )?(?:struct|enum|protocol|class|actor|typealias) (\w+)(.*)/
    let ruleProtocols = /:\s*(?:SQLRule|PlanRule|DatabaseRule|HealthRule|WorkloadRule)\b/
    var undocumented: [String] = [], checked = 0
    for module in modules {
        let directory = root.appendingPathComponent(module)
        let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        for file in files {
            let lines = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() {
                guard let match = line.firstMatch(of: declaration), match.output.2.firstMatch(of: ruleProtocols) == nil else { continue }
                checked += 1
                // Attributes may sit between the comment and the declaration.
                let above = lines[..<number].last { !$0.hasPrefix("@") }
                if above?.hasPrefix("///") != true { undocumented.append("\(module)/\(file):\(number + 1): \(match.output.1)") }
            }
        }
    }
    #expect(checked > 100)
    #expect(undocumented.isEmpty, "\(undocumented)")
}
