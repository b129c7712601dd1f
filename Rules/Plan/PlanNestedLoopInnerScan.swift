import SargableAnalysis
import SargableCore
import SargablePlan

public enum PlanNestedLoopInnerScan: PlanRule {
    /// From this many executions of the inner side the repeated scans dominate.
    public static let minimumLoops = 10.0

    public static let metadata = RuleMetadata(
        id: "plan-nested-loop-inner-scan",
        title: "Nested loop rescanning a table for every outer row",
        severity: .warning,
        category: .plan,
        rationale: """
        A Nested Loop runs its inner side once per outer row. When the inner side is a Seq Scan, the \
        whole table is read again for every outer row: quadratic work that grows with both tables. \
        It usually means the join column has no index, or the planner expected a single outer row.
        """,
        fix: "Index the inner table's join column so the loop becomes an index lookup, or fix the outer row estimate so the planner chooses a hash join.",
        bad: [RuleExample(PlanExamples.nestedLoopBad, language: .json)],
        good: [RuleExample(PlanExamples.nestedLoopGood, language: .json)]
    )

    public static func check(_ plan: ExplainPlan) -> [PlanFinding] {
        plan.nodes.compactMap { node in
            guard node.nodeType == .nestedLoop, node.children.count == 2 else { return nil }
            var inner = node.children[1]
            // Materialize keeps the rows in memory, but the first scan is still of the whole table.
            if inner.nodeType == .materialize, let below = inner.children.first { inner = below }
            guard inner.nodeType == .seqScan else { return nil }
            let loops = node.isAnalyzed ? (node.children[1].actualLoops ?? 0) : node.children[0].planRows
            guard loops >= minimumLoops else { return nil }
            let table = inner.relationName ?? "the inner table"
            let columns = [node.joinFilter, inner.filter].compactMap { $0 }.flatMap(PlanConditions.columns)
            return finding(node, "nested loop scans \(table) sequentially \(PlanConditions.count(loops)) times (once per outer row)",
                           help: "create an index on \(table) (\(columns.isEmpty ? "join column" : columns.joined(separator: ", "))) so each loop is an index lookup")
        }
    }
}
