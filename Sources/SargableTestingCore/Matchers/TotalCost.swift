import SargablePlan

extension PlanCheck {
    /// The plan's total estimated cost is at most `limit` (the root's total cost).
    @discardableResult
    public func totalCost(atMost limit: Double) -> Bool {
        let root = plan.root
        guard root.totalCost > limit else { return pass() }
        // The node whose own cost is largest is where the cost comes from.
        let costliest = plan.nodes.max { ownCost($0) < ownCost($1) } ?? root
        return record(PlanOutcome(
            failure: "expected a total cost of at most \(PlanDiagnosis.format(limit)), but the plan costs \(PlanDiagnosis.format(root.totalCost))",
            node: costliest,
            hint: "most of the cost is \(costliest.summary); costs are the planner's estimates, so compare them only on the same data"))
    }

    private func ownCost(_ node: PlanNode) -> Double {
        node.totalCost - node.children.filter { $0.parentRelationship != "InitPlan" && $0.parentRelationship != "SubPlan" }
            .map(\.totalCost).reduce(0, +)
    }
}
