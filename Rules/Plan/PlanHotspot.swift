import SargableCore
import SargablePlan

public enum PlanHotspot: PlanRule {
    /// PEV2 marks nodes above 10%, 40% and 90% of the total; Sargable reports from 40%.
    public static let share = 0.4
    /// Below a millisecond in all there is nothing worth tuning.
    public static let minimumTotalMilliseconds = 1.0

    public static let metadata = RuleMetadata(
        id: "plan-hotspot",
        title: "One node takes most of the execution time",
        severity: .info,
        category: .plan,
        rationale: """
        A node whose own (exclusive) time is more than 40% of the whole execution is where tuning \
        pays: making anything else faster changes little. Exclusive time is the node's time over all \
        its loops minus its children's. Plans that take under a millisecond in all are left alone.
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
        return nodes.compactMap { node in
            guard let exclusive = node.exclusiveTime, exclusive / total > share else { return nil }
            return finding(node, "\(node.summary) takes \(Int(saturating: exclusive / total * 100))% of the execution time (\(PlanConditions.duration(exclusive)) of \(PlanConditions.duration(total)))",
                           help: "tune this node first")
        }
    }
}
