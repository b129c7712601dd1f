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

    @Test func everyModuleALibraryMentionsIsAProduct() {
        let exported = Set(libraries.values.joined())
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

/// The manifest as JSON; a scratch directory of its own keeps it clear of the running build's lock.
let packageDescription: Data? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sargable-dump-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["swift", "package", "--package-path", root.path, "--scratch-path", scratch.path, "dump-package"]
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? data : nil
}()
