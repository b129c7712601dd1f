import SargableCore
import SargablePlan

public enum PlanHotspot: PlanRule {
    /// PEV2 marks nodes above 10%, 40% and 90% of the total; Sargable reports from 40%.
    public static let share = 0.4
    /// Below a millisecond in all there is nothing worth tuning.
    public static let minimumTotalMilliseconds = 1.0
    /// Nodes that pass rows on (Gather, Gather Merge, Limit) or write them (ModifyTable): their own
    /// time is waiting on workers or the write itself, which no index or rewrite makes faster.
    public static let untunedNodeTypes: Set<PlanNodeType> = [.gather, .gatherMerge, .modifyTable, .limit]

    public static let metadata = RuleMetadata(
        id: "plan-hotspot",
        title: "One node takes most of the execution time",
        severity: .info,
        category: .plan,
        rationale: """
        A node whose own (exclusive) time is more than 40% of the whole execution is where tuning \
        pays: making anything else faster changes little. Exclusive time is the node's time over all \
        its loops minus its children's. Plans that take under a millisecond in all are left alone, \
        and so are nodes nobody tunes (Gather, Gather Merge, ModifyTable, Limit). Only the heaviest \
        node on each root-to-leaf path is reported.
        """,
        fix: "Start with this node: the other findings on it say why it is slow.",
        bad: [RuleExample(PlanExamples.hotspotBad, language: .json)],
        // A one-node plan: nothing to rank, nothing reported.
        good: [RuleExample(PlanExamples.heapFetchesGood, language: .json)]
    )

    public static func check(_ plan: ExplainPlan) -> [PlanFinding] {
        let nodes = plan.nodes
        // A one-node plan is trivially its own hotspot.
        guard nodes.count > 1, let total = plan.totalTime, total >= minimumTotalMilliseconds else { return [] }
        let heavy = nodes.compactMap { node -> (node: PlanNode, exclusive: Double)? in
            guard !untunedNodeTypes.contains(node.nodeType), let exclusive = node.exclusiveTime,
                  exclusive / total > share else { return nil }
            return (node, exclusive)
        }
        // One hotspot per path: a node is left out when a heavier one is above or below it.
        var kept: [(node: PlanNode, exclusive: Double)] = []
        for candidate in heavy.sorted(by: { $0.exclusive > $1.exclusive }) {
            let below = Set(candidate.node.allNodes.map(\.id))
            guard !kept.contains(where: { below.contains($0.node.id) || $0.node.allNodes.contains { $0.id == candidate.node.id } })
            else { continue }
            kept.append(candidate)
        }
        return kept.sorted { $0.node.id < $1.node.id }.map { node, exclusive in
            finding(node, "\(node.summary) takes \(Int(saturating: exclusive / total * 100))% of the execution time (\(PlanConditions.duration(exclusive)) of \(PlanConditions.duration(total)))",
                    help: "tune this node first")
        }
    }
}
