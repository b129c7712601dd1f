import SargableAnalysis
import SargableCore
import SargablePlan

public enum PlanSeqScanFilter: PlanRule {
    /// PEV2 flags filters that remove most of what a node reads; Sargable reports a sequential scan
    /// when its filter throws away more than 90% of at least this many rows per loop (a table this
    /// size no longer fits in a few pages, and an index starts to pay).
    public static let minimumRowsRead = 10_000.0
    public static let removedShare = 0.9

    public static let metadata = RuleMetadata(
        id: "plan-seq-scan-filter",
        title: "Sequential scan that filters out most of the table",
        severity: .warning,
        category: .plan,
        rationale: """
        A Seq Scan reads every row of the table and only then applies the Filter. When the filter \
        keeps under 10% of more than 10,000 rows, nearly all of that reading is wasted: an index on \
        the filtered columns would read only the rows kept. The cost grows with the table, not with \
        the result.
        """,
        fix: "Create an index on the filtered columns (partial if the filter is a constant such as a status), or make the predicate sargable so an existing index applies.",
        bad: [RuleExample(PlanExamples.seqScanFilterBad, language: .json)],
        good: [RuleExample(PlanExamples.seqScanFilterGood, language: .json)]
    )

    public static func check(_ plan: ExplainPlan) -> [PlanFinding] {
        plan.nodes.compactMap { node in
            guard node.nodeType == .seqScan, let filter = node.filter,
                  let kept = node.actualRows, let removed = node.rowsRemovedByFilter else { return nil }
            let read = kept + removed
            guard read >= minimumRowsRead, removed / read > removedShare else { return nil }
            let table = node.relationName ?? "the table"
            let columns = PlanConditions.columns(filter)
            let percent = String(format: "%.1f", removed / read * 100)
            let columnList = columns.isEmpty ? "" : " on \(columns.joined(separator: ", "))"
            return finding(node, "seq scan on \(table) reads \(PlanConditions.count(read)) rows per loop and its filter\(columnList) removes \(percent)% of them",
                           help: "create an index on \(table) (\(columns.isEmpty ? "…" : columns.joined(separator: ", "))) matching the filter \(filter)")
        }
    }
}
