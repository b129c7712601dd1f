import Foundation
import SargableCore
import SargableLint
import SargablePlan

/// The plan tree as text: one line per node with its exclusive share of the execution time, and
/// the findings under the node they concern.
enum ExplainTextRenderer {
    static func render(_ report: ExplainReport, style: TextStyle = TextStyle(enabled: false)) -> String {
        let plan = report.collected.plan
        var lines: [String] = []
        let how = report.collected.executed ? "executed (EXPLAIN ANALYZE), rolled back" : "planned only (EXPLAIN)"
        lines.append("-- \(report.file):\(report.line):\(report.column): \(how)")
        lines.append("-- " + firstLine(of: report.statement))
        let findingsByNode = Dictionary(grouping: report.findings, by: \.nodeID)
        render(plan.root, plan: plan, prefix: "", childPrefix: "", findings: findingsByNode, style: style, into: &lines)
        var timing: [String] = []
        if let planning = plan.planningTime { timing.append("planning \(milliseconds(planning))") }
        if let execution = plan.executionTime { timing.append("execution \(milliseconds(execution))") }
        if !timing.isEmpty { lines.append(timing.joined(separator: ", ")) }
        for note in report.collected.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func render(_ node: PlanNode, plan: ExplainPlan, prefix: String, childPrefix: String,
                               findings: [Int: [PlanFinding]], style: TextStyle, into lines: inout [String]) {
        var line = prefix + node.summary
        line += "  (cost=\(number(node.startupCost))..\(number(node.totalCost)) rows=\(Int(saturating: node.planRows)) width=\(node.planWidth))"
        if node.neverExecuted {
            line += " (never executed)"
        } else if let total = node.actualTotalTime, let rows = node.actualRows {
            line += " (actual \(milliseconds(total)) rows=\(Int(saturating: rows)) loops=\(Int(saturating: node.actualLoops ?? 1)))"
            if let exclusive = node.exclusiveTime, let totalTime = plan.totalTime, totalTime > 0 {
                line += "  \(Int(saturating: exclusive / totalTime * 100))%"
            }
        }
        lines.append(line)
        let detailPrefix = childPrefix + (node.children.isEmpty ? "   " : "│  ")
        for (label, value) in [("Filter", node.filter), ("Index Cond", node.indexCond), ("Hash Cond", node.hashCond),
                               ("Join Filter", node.joinFilter), ("Merge Cond", node.mergeCond)] {
            guard let value else { continue }
            lines.append(detailPrefix + "\(label): \(value)")
        }
        if let keys = node.sortKey, !keys.isEmpty { lines.append(detailPrefix + "Sort Key: \(keys.joined(separator: ", "))") }
        if let removed = node.rowsRemovedByFilter { lines.append(detailPrefix + "Rows Removed by Filter: \(Int(saturating: removed))") }
        if let method = node.sortMethod {
            lines.append(detailPrefix + "Sort Method: \(method)\(node.sortSpaceUsed.map { " \(node.sortSpaceType ?? ""): \($0)kB" } ?? "")")
        }
        if let fetches = node.heapFetches { lines.append(detailPrefix + "Heap Fetches: \(Int(saturating: fetches))") }
        if let buffers = node.buffers, !buffers.isEmpty { lines.append(detailPrefix + "Buffers: " + describe(buffers)) }
        for planFinding in findings[node.id] ?? [] {
            let finding = planFinding.finding
            lines.append(detailPrefix + style.severity(finding.severity, "\(finding.severity.rawValue)[\(finding.rule)]")
                         + style.bold(": \(finding.message)"))
            lines.append(detailPrefix + "  \(style.bold("help")): \(finding.help)")
        }
        for (offset, child) in node.children.enumerated() {
            let last = offset == node.children.count - 1
            render(child, plan: plan, prefix: childPrefix + (last ? "└─ " : "├─ "),
                   childPrefix: childPrefix + (last ? "   " : "│  "), findings: findings, style: style, into: &lines)
        }
    }

    /// The statement's first line, so each plan says what it is the plan of; long ones end in `…`.
    static func firstLine(of statement: String) -> String {
        let lines = statement.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let first = lines.first else { return "" }
        let limit = 100
        if first.count > limit { return String(first.prefix(limit - 1)) + "…" }
        return lines.count > 1 ? first + " …" : first
    }

    /// As PostgreSQL writes them: `shared hit=12 read=3, temp read=5 written=5`, zeros left out.
    static func describe(_ buffers: BufferCounts) -> String {
        let groups: [(String, [(String, Int)])] = [
            ("shared", [("hit", buffers.sharedHit), ("read", buffers.sharedRead), ("dirtied", buffers.sharedDirtied),
                        ("written", buffers.sharedWritten)]),
            ("local", [("hit", buffers.localHit), ("read", buffers.localRead)]),
            ("temp", [("read", buffers.tempRead), ("written", buffers.tempWritten)]),
        ]
        return groups.compactMap { name, counts -> String? in
            let present = counts.filter { $0.1 > 0 }.map { "\($0.0)=\($0.1)" }
            return present.isEmpty ? nil : ([name] + present).joined(separator: " ")
        }.joined(separator: ", ")
    }

    static func milliseconds(_ value: Double) -> String {
        value >= 100 ? "\(Int(saturating: value)) ms" : "\((value * 1000).rounded() / 1000) ms"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(saturating: value)).00" : "\((value * 100).rounded() / 100)"
    }
}
