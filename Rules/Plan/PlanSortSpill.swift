import SargableAnalysis
import SargableCore
import SargablePlan

public enum PlanSortSpill: PlanRule {
    public static let metadata = RuleMetadata(
        id: "plan-sort-spill",
        title: "Sort or hash spilled to disk",
        severity: .warning,
        category: .plan,
        rationale: """
        A sort, hash join or hash aggregate gets work_mem of memory; when its input does not fit it \
        writes temporary files (Sort Method: external merge, Hash Batches > 1, HashAggregate Disk \
        Usage) and reads them back, often several times slower than in memory.
        """,
        fix: "Raise work_mem for this query (SET LOCAL work_mem inside its transaction) or for its role, sort or hash fewer or narrower rows, or provide the order from an index.",
        bad: [RuleExample(PlanExamples.sortSpillBad, language: .json)],
        good: [RuleExample(PlanExamples.sortSpillGood, language: .json)]
    )

    public static func check(_ plan: ExplainPlan) -> [PlanFinding] {
        let workMem = plan.settings["work_mem"].map { "work_mem (\($0))" } ?? "work_mem (default 4MB)"
        return plan.nodes.compactMap { node in
            let spillKind: String
            if node.sortSpaceType == "Disk" || node.sortMethod?.hasPrefix("external") == true {
                spillKind = "sort\(node.sortKey.map { " on " + $0.joined(separator: ", ") } ?? "") spilled \(node.sortSpaceUsed.map { "\($0) kB" } ?? "") to disk (\(node.sortMethod ?? "external"))"
            } else if let batches = node.hashBatches, batches > 1 {
                spillKind = "hash\(node.relationName.map { " of " + $0 } ?? "") used \(batches) batches (spilled to disk)"
            } else if let disk = node.diskUsage, disk > 0 {
                spillKind = "\(node.nodeType) wrote \(disk) kB to disk"
            } else {
                return nil
            }
            return finding(node, spillKind.replacing("  ", with: " "),
                           help: "raise \(workMem) for this query, e.g. set local work_mem = '64MB', or reduce the rows it sorts or hashes")
        }
    }
}
