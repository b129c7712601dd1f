import Foundation
import SargableLint
import SargableRules
import SargableTestingCore

/// A `sargable check` file: the database, and per check either a statement and what its plan
/// must satisfy, or a script and what its statements must be. Every problem is refused with its
/// line (exit 2) before a server is started.
struct CheckFile {
    var target: CheckRunner.Target
    var checks: [CheckCase]

    static let matcherKeys = ["uses-index", "index-backed", "no-seq-scan", "index-usable", "no-sort-spill",
                              "estimated-rows-at-most", "total-cost-at-most", "no-findings"]
    static let queryKeys = ["queries", "no-queries", "no-n-plus-one"]
    static let countKeys = ["exactly", "at-most", "at-least", "between"]

    static func read(_ path: String) throws -> CheckFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandFailure("\(path): cannot be read as UTF-8 text")
        }
        let directory = (path as NSString).deletingLastPathComponent
        func resolved(_ name: String) -> String {
            name.hasPrefix("/") || directory.isEmpty ? name : directory + "/" + name
        }
        func fail(_ line: Int, _ message: String) -> CommandFailure {
            CommandFailure(ConfigurationError(path: path, line: line, message: message).description)
        }
        let document: ConfigValue
        do { document = try YAMLSubset.read(text, path: path) } catch { throw CommandFailure(error.description) }
        guard case .table(let top, _) = document else { throw fail(document.line, "expected 'database:' and 'checks:' at the top level") }
        var target: CheckRunner.Target?
        var databaseLine = 1
        var checks: [CheckCase] = []
        for (key, line, value) in top {
            switch key {
            case "database":
                databaseLine = line
                guard case .table(let entries, _) = value, entries.count == 1, let entry = entries.first else {
                    throw fail(line, "database: takes one of 'conninfo: …' or 'load: [files or directories]'")
                }
                switch entry.key {
                case "conninfo": target = .connectionString(try scalar(entry.value, "conninfo", fail))
                case "load": target = .setup(DatabaseSetup(migrations: try strings(entry.value, fail).map(resolved)))
                default: throw fail(entry.line, "unknown database key '\(entry.key)'; use conninfo or load")
                }
            case "checks":
                guard case .table(let entries, _) = value, !entries.isEmpty else { throw fail(line, "checks: takes named checks") }
                for entry in entries {
                    checks.append(try check(entry.key, line: entry.line, entry.value, file: path, resolved: resolved, fail))
                }
            default:
                throw fail(line, "unknown key '\(key)'; use database and checks")
            }
        }
        guard let target else { throw fail(1, "no database: give 'database:' with conninfo or load") }
        guard !checks.isEmpty else { throw fail(1, "no checks: give 'checks:' with at least one") }
        // Statements are captured from the log of a server check starts; a server named by
        // conninfo may log nothing, or somewhere this process cannot read.
        if case .connectionString = target, let script = checks.first(where: { if case .queries = $0.kind { true } else { false } }) {
            throw fail(script.line, "check '\(script.name)' runs a script, which needs 'database: load: …' "
                + "(line \(databaseLine) names a database by conninfo, where statements cannot be captured)")
        }
        return CheckFile(target: target, checks: checks)
    }

    private static func check(_ name: String, line: Int, _ value: ConfigValue, file: String, resolved: (String) -> String,
                              _ fail: (Int, String) -> CommandFailure) throws -> CheckCase {
        let usage = "check '\(name)' takes sql (or file) and expect for a plan, or run (or run-file) and expect for a script"
        guard case .table(let entries, _) = value else { throw fail(line, usage) }
        func read(_ value: ConfigValue, _ key: String, _ keyLine: Int) throws -> String {
            let path = resolved(try scalar(value, key, fail))
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail(keyLine, "\(path): cannot be read") }
            return text
        }
        var sql: String?
        var script: String?
        var planOnly: (key: String, line: Int)?
        var parameters: [String?]?
        var matchers: [PlanMatcherSpec] = []
        var queries: [QueryExpectationSpec] = []
        var expectLine = line
        var analyze = true
        var genericPlan = true
        var commit: Bool?
        var commitLine = line
        for (key, keyLine, value) in entries {
            switch key {
            case "sql": sql = try scalar(value, key, fail)
            case "file": sql = try read(value, key, keyLine)
            // Inline SQL is one line (the YAML subset has no multi-line strings) or a list of statements.
            case "run": script = try strings(value, fail).joined(separator: ";\n")
            case "run-file": script = try read(value, key, keyLine)
            case "commit":
                commit = try bool(value, key, fail)
                commitLine = keyLine
            case "parameters": parameters = try strings(value, fail).map { $0 == "null" || $0 == "~" ? nil : $0 }
            case "analyze": analyze = try bool(value, key, fail)
            case "generic-plan": genericPlan = try bool(value, key, fail)
            case "expect":
                expectLine = keyLine
                (matchers, queries) = try expectations(value, fail)
            default:
                throw fail(keyLine, "unknown key '\(key)' in check '\(name)'; use sql, file, parameters, analyze, generic-plan, "
                    + "run, run-file, commit, expect")
            }
            if ["parameters", "analyze", "generic-plan"].contains(key), planOnly == nil { planOnly = (key, keyLine) }
        }
        if let script {
            guard sql == nil else { throw fail(line, "check '\(name)' has both a statement (sql or file) and a script (run or run-file); give one") }
            if let planOnly { throw fail(planOnly.line, "\(planOnly.key): is for plan checks (sql or file), not for a script") }
            guard !script.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail(line, "check '\(name)' has an empty script") }
            guard matchers.isEmpty else {
                throw fail(expectLine, "a script check takes \(queryKeys.joined(separator: ", ")); plan expectations need sql (or file)")
            }
            guard !queries.isEmpty else { throw fail(line, "check '\(name)' has no expect") }
            return CheckCase(name: name, kind: .queries(script: script, commit: commit ?? false, expectations: queries), file: file, line: line)
        }
        guard let sql, !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail(line, "check '\(name)' has no sql (or file)")
        }
        if commit != nil { throw fail(commitLine, "commit: is for script checks (run or run-file); a plan is always rolled back") }
        guard queries.isEmpty else {
            throw fail(expectLine, "\(queryKeys.joined(separator: ", ")) count what a script runs: give run (or run-file), not sql")
        }
        guard !matchers.isEmpty else { throw fail(line, "check '\(name)' has no expect") }
        return CheckCase(name: name, kind: .plan(sql: sql, parameters: parameters, matchers: matchers, analyze: analyze, genericPlan: genericPlan),
                         file: file, line: line)
    }

    private static func expectations(_ value: ConfigValue, _ fail: (Int, String) -> CommandFailure) throws
        -> (plan: [PlanMatcherSpec], queries: [QueryExpectationSpec]) {
        let allKeys = (matcherKeys + queryKeys).joined(separator: ", ")
        guard case .table(let entries, _) = value else { throw fail(value.line, "expect: takes expectations (\(allKeys))") }
        var matchers: [PlanMatcherSpec] = []
        var queries: [QueryExpectationSpec] = []
        for (key, line, value) in entries {
            switch key {
            case "uses-index": matchers += try strings(value, fail).map(PlanMatcherSpec.usesIndex)
            case "index-backed": matchers += try strings(value, fail).map(PlanMatcherSpec.indexBacked)
            case "no-seq-scan": matchers += try strings(value, fail).map(PlanMatcherSpec.noSeqScan)
            case "index-usable": matchers += try strings(value, fail).map(PlanMatcherSpec.indexUsable)
            case "no-sort-spill": if try bool(value, key, fail) { matchers.append(.noSortSpill) }
            case "total-cost-at-most": matchers.append(.totalCost(atMost: try number(value, key, fail)))
            case "estimated-rows-at-most":
                guard case .table(let tables, _) = value, !tables.isEmpty else {
                    throw fail(line, "estimated-rows-at-most: takes 'table: rows' lines")
                }
                for table in tables {
                    matchers.append(.estimatedRows(table: table.key, atMost: try number(table.value, table.key, fail)))
                }
            case "no-findings":
                let rules = RuleRegistry.planRules
                let ids = rules.map { rule in rule.metadata.id }
                for id in try strings(value, fail) {
                    guard let index = ids.firstIndex(of: id) else {
                        throw fail(line, "no-findings: '\(id)' is not a plan rule; use \(ids.joined(separator: ", "))")
                    }
                    matchers.append(.noFindings(rules[index]))
                }
            case "queries": queries.append(try queryCount(value, line: line, fail))
            case "no-queries": if try bool(value, key, fail) { queries.append(.noQueries) }
            case "no-n-plus-one":
                // `true` is the library's default threshold; a number sets it.
                if case .scalar(let text, _) = value, let threshold = Int(text) {
                    guard threshold >= 2 else { throw fail(line, "no-n-plus-one: takes true or a threshold of at least 2, not \(threshold)") }
                    queries.append(.noNPlusOne(threshold: threshold))
                } else if try bool(value, key, fail) {
                    queries.append(.noNPlusOne(threshold: 3))
                }
            default: throw fail(line, "unknown expectation '\(key)'; use \(allKeys)")
            }
        }
        return (matchers, queries)
    }

    /// `queries:` with one of exactly, at-most, at-least or between: [low, high], and optionally
    /// kind (select, insert, update, delete, merge) and on (a table): `expectQueries`' arguments.
    private static func queryCount(_ value: ConfigValue, line: Int, _ fail: (Int, String) -> CommandFailure) throws -> QueryExpectationSpec {
        let usage = "queries: takes one of \(countKeys.joined(separator: ", ")), and optionally kind and on"
        guard case .table(let entries, _) = value else { throw fail(line, usage) }
        var count: QueryCount?
        var kind = StatementKind.any
        var table: String?
        let kinds = StatementKind.allCases.filter { $0 != .any && $0 != .other }.map(\.rawValue)
        for (key, keyLine, value) in entries {
            func integer(_ value: ConfigValue) throws -> Int {
                let text = try scalar(value, key, fail)
                guard let number = Int(text), number >= 0 else { throw fail(value.line, "\(key): takes a count, not '\(text)'") }
                return number
            }
            if countKeys.contains(key), count != nil { throw fail(keyLine, "queries: takes one count, and '\(key)' is a second") }
            switch key {
            case "exactly": count = .exactly(try integer(value))
            case "at-most": count = .atMost(try integer(value))
            case "at-least": count = .atLeast(try integer(value))
            case "between":
                guard case .list(let bounds, _) = value, bounds.count == 2 else { throw fail(keyLine, "between: takes [lowest, highest]") }
                let low = try integer(bounds[0]), high = try integer(bounds[1])
                guard low <= high else { throw fail(keyLine, "between: takes [lowest, highest], and \(low) is more than \(high)") }
                count = .range(low ... high)
            case "kind":
                let text = try scalar(value, key, fail)
                guard let named = StatementKind(rawValue: text), kinds.contains(text) else {
                    throw fail(keyLine, "kind: takes \(kinds.joined(separator: ", ")), not '\(text)'")
                }
                kind = named
            case "on": table = try scalar(value, key, fail)
            default: throw fail(keyLine, "unknown key '\(key)' in queries; use \(countKeys.joined(separator: ", ")), kind, on")
            }
        }
        guard let count else { throw fail(line, usage) }
        return .count(count, kind, on: table)
    }

    private static func scalar(_ value: ConfigValue, _ key: String, _ fail: (Int, String) -> CommandFailure) throws -> String {
        guard case .scalar(let text, _) = value, !text.isEmpty else { throw fail(value.line, "\(key): takes a value") }
        return text
    }

    private static func strings(_ value: ConfigValue, _ fail: (Int, String) -> CommandFailure) throws -> [String] {
        switch value {
        case .scalar(let text, _) where !text.isEmpty: return [text]
        case .list(let items, _):
            return try items.map { item in
                guard case .scalar(let text, _) = item else { throw fail(item.line, "expected a value, not a nested list or table") }
                return text
            }
        default: throw fail(value.line, "expected a value or a list of values")
        }
    }

    private static func bool(_ value: ConfigValue, _ key: String, _ fail: (Int, String) -> CommandFailure) throws -> Bool {
        switch try scalar(value, key, fail) {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw fail(value.line, "\(key): takes true or false, not '\(other)'")
        }
    }

    private static func number(_ value: ConfigValue, _ key: String, _ fail: (Int, String) -> CommandFailure) throws -> Double {
        let text = try scalar(value, key, fail)
        guard let number = Double(text), number.isFinite, number >= 0 else {
            throw fail(value.line, "\(key): takes a number, not '\(text)'")
        }
        return number
    }
}
