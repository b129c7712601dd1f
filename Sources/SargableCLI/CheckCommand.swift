import ArgumentParser
import Foundation
import SargableCore
import SargableLint
import SargableTestingCore

/// `sargable check plans.yml`: the plan and query expectations of SargableTesting for test
/// suites in any language, written in YAML.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Check statements' plans and scripts' queries against expectations written in YAML (for CI in any language).",
        discussion: """
        The file names a database (an existing one by conninfo, or SQL files loaded into a \
        throwaway server) and the checks: a statement, its parameters, and what its plan must \
        satisfy. Plans are collected read-only and rolled back; SELECTs are executed unless \
        'analyze: false'. With parameters, the generic plan is checked too. A failing plan choice \
        whose alternative costs within the planner's 1% fuzz is a warning ("cost tie").

        Example plans.yml:
          database:
            load: [migrations, seed.sql]     # or: conninfo: "host=db dbname=app"
          checks:
            orders-of-a-user:
              sql: SELECT * FROM orders WHERE user_id = $1
              parameters: [42]
              expect:
                uses-index: orders_user_id_idx
                no-seq-scan: [orders]
                estimated-rows-at-most:
                  orders: 100
            open-orders:
              file: queries/open_orders.sql
              expect:
                index-usable: orders
                no-sort-spill: true
                total-cost-at-most: 1000
            invoice-page:
              run-file: scripts/page.sql     # or run: SQL, or a list of statements
              expect:
                queries:
                  at-most: 3                 # or exactly, at-least, between: [1, 3]
                  kind: select               # or insert, update, delete, merge
                  on: invoices
                no-n-plus-one: true

        Plan expectations: uses-index, index-backed, no-seq-scan, index-usable (tables or indexes, \
        one or a list), no-sort-spill, estimated-rows-at-most (table: rows), total-cost-at-most, \
        no-findings (plan rule ids, as `sargable rules` lists them).
        Script expectations (run or run-file, on a 'load:' database only): queries, no-queries, \
        no-n-plus-one (true, or the threshold). The script's statements run one by one on their \
        own connection, inside a transaction that is rolled back ('commit: true' runs the script \
        as written and keeps what it did for later checks); the server's log is read back as \
        SargableTesting's capture does, leaving out transaction control, set-up and catalog queries.
        Exit status: 0 all checks passed (warnings allowed), 1 a check failed, 2 bad input (the \
        file, a statement that cannot be explained or run, an unreachable database).
        """
    )

    @Argument(help: ArgumentHelp("The YAML file of checks.", valueName: "plans.yml"))
    var file: String

    @Option(help: "Output format: text, junit (JUnit XML), github (workflow commands) or json.")
    var format: CheckFormat = .text

    func run() throws {
        let checkFile = try CheckFile.read(file)
        let results: [CheckResult]
        do {
            results = try CheckRunner.run(checkFile.checks, on: checkFile.target)
        } catch {
            throw CommandFailure("\(file): \(error)")
        }
        Terminal.print(CheckReport.render(results, file: file, format: format), terminator: "")
        if results.contains(where: { $0.error != nil }) { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        if results.contains(where: { !$0.passed }) { throw ExitCode(SargableExitCode.findings.rawValue) }
    }
}

enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, junit, github, json
}

/// The results of `sargable check` in each format; every format carries the whole diagnosis.
enum CheckReport {
    static func render(_ results: [CheckResult], file: String, format: CheckFormat) -> String {
        switch format {
        case .text: text(results)
        case .junit: junit(results, file: file)
        case .github: github(results)
        case .json: json(results)
        }
    }

    static func status(_ result: CheckResult) -> String {
        if result.error != nil { return "error" }
        if !result.passed { return "failed" }
        return result.failures.isEmpty ? "passed" : "passed with warnings"
    }

    static func text(_ results: [CheckResult]) -> String {
        var out = ""
        for result in results {
            let check = result.check
            out += "\(status(result).uppercased()) \(check.file):\(check.line): \(check.name)\n"
            if let error = result.error { out += "  error: \(error)\n" }
            for failure in result.failures {
                let lines = failure.message.split(separator: "\n", omittingEmptySubsequences: false)
                out += "  \(failure.severity == .warning ? "warning" : "failure"): \(lines[0])\n"
                for line in lines.dropFirst() { out += "    \(line)\n" }
            }
        }
        let failed = results.filter { !$0.passed }.count
        out += "\(results.count) check\(results.count == 1 ? "" : "s"): \(results.count - failed) passed, \(failed) failed\n"
        return out
    }

    /// JUnit XML as CI servers read it: one testsuite for the file, `classname` the file, the
    /// check's name as the test name (unique: a YAML key), the diagnosis in the `<failure>` body.
    static func junit(_ results: [CheckResult], file: String) -> String {
        let failures = results.filter { $0.error == nil && !$0.passed }.count
        let errors = results.filter { $0.error != nil }.count
        let time = String(format: "%.3f", results.map(\.seconds).reduce(0, +))
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"sargable check\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(time)\">\n"
        out += "  <testsuite name=\"\(xml(file))\" tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"0\" time=\"\(time)\">\n"
        for result in results {
            out += "    <testcase classname=\"\(xml(file))\" name=\"\(xml(result.check.name))\" time=\"\(String(format: "%.3f", result.seconds))\">\n"
            if let error = result.error {
                out += "      <error message=\"\(xml(error))\" type=\"error\">\(xml(error))</error>\n"
            }
            let failed = result.failures.filter { $0.severity == .failure }
            if let first = failed.first {
                let body = failed.map(\.message).joined(separator: "\n\n")
                out += "      <failure message=\"\(xml(firstLine(first.message)))\" type=\"expectation\">\(xml(body))</failure>\n"
            }
            let warnings = result.failures.filter { $0.severity == .warning }
            if !warnings.isEmpty {
                out += "      <system-out>\(xml(warnings.map { "warning: " + $0.message }.joined(separator: "\n\n")))</system-out>\n"
            }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    /// `::error file=plans.yml,line=4,title=orders-of-a-user::…`, one per failure or warning.
    static func github(_ results: [CheckResult]) -> String {
        var out = ""
        for result in results {
            let properties = "file=\(LintReporter.escapeProperty(result.check.file)),line=\(result.check.line),"
                + "title=\(LintReporter.escapeProperty(result.check.name))"
            if let error = result.error { out += "::error \(properties)::\(LintReporter.escapeData(error))\n" }
            for failure in result.failures {
                out += "::\(failure.severity == .warning ? "warning" : "error") \(properties)::\(LintReporter.escapeData(failure.message))\n"
            }
        }
        return out
    }

    private struct JSONResult: Encodable {
        struct Failure: Encodable {
            var severity: String
            var message: String
        }

        var name: String
        /// `plan` or `queries`.
        var kind: String
        var file: String
        var line: Int
        var status: String
        var seconds: Double
        var error: String?
        var failures: [Failure]
    }

    static func json(_ results: [CheckResult]) -> String {
        JSONText.encode(results.map { result in
            JSONResult(name: result.check.name, kind: kind(result.check), file: result.check.file, line: result.check.line, status: status(result),
                       seconds: result.seconds, error: result.error,
                       failures: result.failures.map { .init(severity: $0.severity.rawValue, message: $0.message) })
        }) + "\n"
    }

    private static func kind(_ check: CheckCase) -> String {
        switch check.kind {
        case .plan: "plan"
        case .queries: "queries"
        }
    }

    private static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", maxSplits: 1).first ?? "")
    }

    /// Text for an XML attribute or element: the five entities, and control characters (not
    /// allowed in XML 1.0) as U+FFFD.
    static func xml(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
            default: out.unicodeScalars.append(scalar.value < 0x20 ? "\u{FFFD}" : scalar)
            }
        }
        return out
    }
}
