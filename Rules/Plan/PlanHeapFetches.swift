import SargableAnalysis
import SargableCore
import SargablePlan

public enum PlanHeapFetches: PlanRule {
    /// An index-only scan that visits the heap for more than this share of its rows is mostly not
    /// index-only; below 100 fetches it does not matter.
    public static let fetchShare = 0.1
    public static let minimumFetches = 100.0

    public static let metadata = RuleMetadata(
        id: "plan-heap-fetches",
        title: "Index-only scan fetching rows from the table",
        severity: .warning,
        category: .plan,
        rationale: """
        An Index Only Scan skips the table only for pages the visibility map marks all-visible. Pages \
        changed since the last VACUUM must be read from the heap (Heap Fetches), so a table with many \
        recent writes gets random heap reads the plan did not budget for.
        """,
        fix: "VACUUM the table (or tune autovacuum to run more often on it) so the visibility map stays current.",
        bad: [RuleExample(PlanExamples.heapFetchesBad, language: .json)],
        good: [RuleExample(PlanExamples.heapFetchesGood, language: .json)]
    )

    public static func check(_ plan: ExplainPlan) -> [PlanFinding] {
        plan.nodes.compactMap { node in
            guard node.nodeType == .indexOnlyScan, let fetches = node.heapFetches, fetches >= minimumFetches,
                  let rows = node.totalActualRows, fetches > fetchShare * max(rows, 1) else { return nil }
            let table = node.relationName ?? "the table"
            return finding(node, "index-only scan using \(node.indexName ?? "an index") on \(table) fetched \(PlanConditions.count(fetches)) of \(PlanConditions.count(rows)) rows from the heap (visibility map out of date)",
                           help: "vacuum \(table), and let autovacuum run on it more often")
        }
    }
}
