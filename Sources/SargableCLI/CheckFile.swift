import Foundation
import SargableLint
import SargableRules
import SargableTestingCore

/// A `sargable check` file: the database, and per check a statement and what its plan must
/// satisfy. Every problem is refused with its line (exit 2) before a server is started.
struct CheckFile {
    var target: PlanCheckRunner.Target
    var checks: [PlanCheckCase]

    static let matcherKeys = ["uses-index", "index-backed", "no-seq-scan", "index-usable", "no-sort-spill",
                              "estimated-rows-at-most", "total-cost-at-most", "no-findings"]

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
        var target: PlanCheckRunner.Target?
        var checks: [PlanCheckCase] = []
        for (key, line, value) in top {
            switch key {
            case "database":
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
        return CheckFile(target: target, checks: checks)
    }

    private static func check(_ name: String, line: Int, _ value: ConfigValue, file: String, resolved: (String) -> String,
                              _ fail: (Int, String) -> CommandFailure) throws -> PlanCheckCase {
        guard case .table(let entries, _) = value else { throw fail(line, "check '\(name)' takes sql (or file) and expect") }
        var sql: String?
        var parameters: [String?]?
        var matchers: [PlanMatcherSpec] = []
        var analyze = true
        var genericPlan = true
        for (key, keyLine, value) in entries {
            switch key {
            case "sql": sql = try scalar(value, key, fail)
            case "file":
                let path = resolved(try scalar(value, key, fail))
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw fail(keyLine, "\(path): cannot be read") }
                sql = text
            case "parameters": parameters = try strings(value, fail).map { $0 == "null" || $0 == "~" ? nil : $0 }
            case "analyze": analyze = try bool(value, key, fail)
            case "generic-plan": genericPlan = try bool(value, key, fail)
            case "expect": matchers = try expectations(value, fail)
            default: throw fail(keyLine, "unknown key '\(key)' in check '\(name)'; use sql, file, parameters, analyze, generic-plan, expect")
            }
        }
        guard let sql, !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail(line, "check '\(name)' has no sql (or file)")
        }
        guard !matchers.isEmpty else { throw fail(line, "check '\(name)' has no expect") }
        return PlanCheckCase(name: name, sql: sql, parameters: parameters, matchers: matchers, analyze: analyze,
                             genericPlan: genericPlan, file: file, line: line)
    }

    private static func expectations(_ value: ConfigValue, _ fail: (Int, String) -> CommandFailure) throws -> [PlanMatcherSpec] {
        guard case .table(let entries, _) = value else { throw fail(value.line, "expect: takes matchers (\(matcherKeys.joined(separator: ", ")))") }
        var matchers: [PlanMatcherSpec] = []
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
            default: throw fail(line, "unknown expectation '\(key)'; use \(matcherKeys.joined(separator: ", "))")
            }
        }
        return matchers
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
