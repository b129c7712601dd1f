import SargableAnalysis
import SargableCore
import SargablePlan

public enum PlanRowMisestimate: PlanRule {
    /// PEV2 colours estimate factors above 10, 100 and 1000; Sargable reports from 10× (info) and
    /// warns from 100×. Below 100 rows either way a wrong estimate rarely changes a join or sort
    /// strategy, so smaller nodes are left alone.
    public static let reportFactor = 10.0
    public static let warningFactor = 100.0
    public static let minimumRows = 100.0

    public static let metadata = RuleMetadata(
        id: "plan-row-misestimate",
        title: "Planner's row estimate far from the actual rows, under a join or sort",
        severity: .warning,
        category: .plan,
        rationale: """
        The planner picks join methods, join order and sort strategies from its row estimates. When \
        a node that feeds a join or a sort returns 10× more or fewer rows than estimated, the plan \
        above it was chosen for a different query: nested loops over thousands of rows, hashes that \
        spill, sorts sized for a handful of rows. Stale statistics, correlated columns and \
        expressions without statistics are the usual causes.
        """,
        fix: "ANALYZE the table; for correlated columns CREATE STATISTICS (dependencies, ndistinct); for expressions, an expression index or statistics on the expression; raise the column's statistics target for skewed data.",
        bad: [RuleExample(PlanExamples.rowMisestimateBad, language: .json)],
        good: [RuleExample(PlanExamples.rowMisestimateGood, language: .json)]
    )

    public static func check(_ plan: ExplainPlan) -> [PlanFinding] {
        var findings: [PlanFinding] = []
        visit(plan.root, consumers: [], underLimit: false, into: &findings)
        return findings
    }

    /// Nodes that pass rows through to the node above: what feeds them feeds their consumer.
    static let passThrough: Set<PlanNodeType> = [.hash, .materialize, .memoize]

    private static func isJoinOrSort(_ node: PlanNode) -> Bool {
        node.nodeType.isJoin || node.nodeType.isSort
    }

    /// `consumers` are the ancestors, nearest first. Below a Limit a node stops once enough rows
    /// came out, so fewer actual rows than planned is expected there, not a misestimate.
    private static func visit(_ node: PlanNode, consumers: [PlanNode], underLimit: Bool, into findings: inout [PlanFinding]) {
        let consumer = consumers.first { !passThrough.contains($0.nodeType) }
        if let consumer, isJoinOrSort(consumer), !passThrough.contains(node.nodeType),
           let actual = node.actualRows, !node.neverExecuted, !(underLimit && actual < node.planRows) {
            let planned = node.planRows
            let factor = max(actual, planned) / max(1, min(actual, planned))
            if factor >= reportFactor, max(actual, planned) >= minimumRows {
                let direction = actual > planned ? "under" : "over"
                findings.append(finding(
                    node,
                    "\(node.summary) returned \(PlanConditions.count(actual)) rows per loop but the planner expected \(PlanConditions.count(planned)) (\(direction)estimated \(Int(saturating: factor))×), feeding a \(consumer.nodeType)",
                    help: node.relationName.map { "analyze \($0); if the estimate stays wrong, create statistics on the correlated columns" }
                        ?? "analyze the tables below this node; if the estimate stays wrong, create statistics on the correlated columns",
                    severity: factor >= warningFactor ? .warning : .info))
            }
        }
        // Only a direct chain matters: the nearest consumers up to the first that is not pass-through.
        let chain = passThrough.contains(node.nodeType) ? [node] + consumers : [node]
        for child in node.children {
            visit(child, consumers: chain, underLimit: underLimit || node.nodeType == .limit, into: &findings)
        }
    }
}
