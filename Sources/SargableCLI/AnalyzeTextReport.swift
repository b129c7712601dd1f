import Foundation
import SargableCore
import SargableLint
import SargableLogs

/// The terminal report: a summary, the statements by total time, then the findings with evidence.
struct AnalyzeTextReport {
    let report: WorkloadReport
    let top: Int
    let colour: Bool

    func render() -> String {
        let summary = report.summary
        var output = "\(bold("sargable analyze")): \(counted(summary.executions, "execution")) of \(counted(summary.fingerprints, "statement"))"
        output += " in \(counted(summary.sessions, "session")), \(counted(summary.errors, "error"))"
        if let format = summary.format { output += "; \(format)" }
        if let prefix = summary.logLinePrefix { output += " with log_line_prefix '\(prefix)'" }
        if summary.unreadableLines > 0 { output += "; \(counted(summary.unreadableLines, "unreadable line"))" }
        output += "\n"
        if let first = summary.firstSeen, let last = summary.lastSeen {
            output += "from \(AnalyzeFormatting.timestamp(first)) to \(AnalyzeFormatting.timestamp(last))\n"
        }
        let queries = top > 0 ? Array(report.queries.prefix(top)) : report.queries
        if !queries.isEmpty {
            output += "\n" + bold("Top statements by total time") + "\n"
            output += pad("total", 11) + pad("calls", 10) + pad("mean", 11) + pad("p95", 11) + "  query\n"
            for query in queries {
                output += pad(WorkloadRules.formatMilliseconds(query.totalMs), 11)
                output += pad(count(query.calls), 10)
                output += pad(WorkloadRules.formatMilliseconds(query.meanMs), 11)
                output += pad(query.p95Ms.map(WorkloadRules.formatMilliseconds) ?? "-", 11)
                output += "  " + AnalyzeFormatting.oneLine(query.query, limit: 100)
                if query.errors > 0 { output += "  (\(counted(query.errors, "error")))" }
                output += "\n"
            }
            if report.queries.count > queries.count {
                output += "… and \(report.queries.count - queries.count) more (--top 0 shows all)\n"
            }
        }
        let operations = AnalyzeOperationsText(report: report, top: top, bold: bold).render()
        if report.findings.isEmpty {
            output += operations
            output += "\nno workload findings\n"
            if !report.planFindings.isEmpty { output += "\n" + planFindings() + severityCounts() }
            return output
        }
        output += operations
        output += "\n"
        let shown = top > 0 ? Array(report.findings.prefix(top)) : report.findings
        for finding in shown {
            let severity = finding.finding.severity.rawValue
            output += colourise("\(severity)[\(finding.rule)]", severity: finding.finding.severity) + ": \(finding.finding.message)\n"
            let location = (finding.finding.file ?? "") + ":\(finding.firstLine)" + (finding.lastLine > finding.firstLine ? "-\(finding.lastLine)" : "")
            output += "  --> \(location)  session \(finding.session)"
            var who: [String] = []
            if let pid = finding.pid, String(pid) != finding.session { who.append("pid \(pid)") }
            if let user = finding.user { who.append(user + (finding.database.map { "@" + $0 } ?? "")) }
            if let application = finding.application { who.append(application) }
            if !who.isEmpty { output += " (" + who.joined(separator: ", ") + ")" }
            output += "\n"
            output += "   | query: \(AnalyzeFormatting.oneLine(finding.query, limit: 120))\n"
            if let parent = finding.parent {
                output += "   | after: \(AnalyzeFormatting.oneLine(parent.query, limit: 120))\n"
            }
            output += "   | " + AnalyzeFormatting.evidence(finding)
            output += "\n  = help: \(finding.finding.help)\n\n"
        }
        if report.findings.count > shown.count {
            output += "… and \(counted(report.findings.count - shown.count, "more finding")) (--top 0 shows all)\n\n"
        }
        return output + planFindings() + severityCounts()
    }

    /// What the plan-insight rules found in the logged plans (auto_explain), one block each.
    private func planFindings() -> String {
        guard !report.planFindings.isEmpty else { return "" }
        var output = bold("Plan findings (the plans in the log)") + "\n\n"
        let shown = top > 0 ? Array(report.planFindings.prefix(top)) : report.planFindings
        for finding in shown {
            output += colourise("\(finding.finding.severity.rawValue)[\(finding.finding.rule)]", severity: finding.finding.severity)
                + ": \(finding.finding.message)\n"
            output += "   | query: \(AnalyzeFormatting.oneLine(finding.query, limit: 120))\n"
            output += "   | \(counted(finding.calls, "execution")), \(WorkloadRules.formatMilliseconds(finding.totalMs)) in all, fingerprint \(finding.fingerprint)\n"
            output += "  = help: \(finding.finding.help)\n\n"
        }
        if report.planFindings.count > shown.count {
            output += "… and \(counted(report.planFindings.count - shown.count, "more plan finding")) (--top 0 shows all)\n\n"
        }
        return output
    }

    private func severityCounts() -> String {
        let severities = report.findings.map(\.finding.severity) + report.planFindings.map(\.finding.severity)
        let counts = Dictionary(grouping: severities) { $0 }.mapValues(\.count)
        return Severity.allCases.reversed().compactMap { severity in
            counts[severity].map { "\($0) \(severity.rawValue)\($0 == 1 ? "" : "s")" }
        }.joined(separator: ", ") + "\n"
    }

    private func count(_ value: Int) -> String { AnalyzeFormatting.grouped(value) }
    private func counted(_ value: Int, _ noun: String) -> String { AnalyzeFormatting.counted(value, noun) }
    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
    private func bold(_ text: String) -> String { TextStyle(enabled: colour).bold(text) }
    private func colourise(_ text: String, severity: Severity) -> String { TextStyle(enabled: colour).severity(severity, text) }
}

enum AnalyzeFormatting {
    /// `12 executions` and `1 execution`, with thousands grouped.
    static func counted(_ value: Int, _ noun: String) -> String { "\(grouped(value)) \(noun)\(value == 1 ? "" : "s")" }

    /// What a workload finding rests on, the same in the text and HTML reports:
    /// `8 executions, 8 distinct parameter sets, 0.209 ms total over 12 ms`.
    static func evidence(_ finding: WorkloadFinding) -> String {
        counted(finding.count, "execution") + ", " + counted(finding.distinctParameters, "distinct parameter set")
            + ", " + WorkloadRules.timing(totalMs: finding.totalMs, span: finding.spanSeconds)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var output = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0, character != "-" { output += "," }
            output.append(character)
        }
        return output
    }

    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: { $0 == "\n" || $0 == "\t" || $0 == " " || $0 == "\r" }).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }

    static func timestamp(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds)
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
