import SargablePlan

extension PlanCheck {
    /// Some node of the plan reads index `name` (Index, Index Only or Bitmap Index Scan).
    @discardableResult
    public func uses(index name: String) -> Bool {
        let holds = { (plan: ExplainPlan) in plan.nodes.contains { $0.indexName == name } }
        if holds(plan) { return pass() }
        guard let table = context.table(ofIndex: name) else {
            return record(PlanOutcome(failure: "expected the plan to use index \(name), but there is no index \(name)",
                                      hint: "check the index name; \\di in psql lists the indexes"))
        }
        // The node reading the index's table is the planner's choice instead.
        guard let chosen = nodes(on: table).first(where: { $0.nodeType != .bitmapIndexScan }) ?? nodes(on: table).first else {
            return record(PlanOutcome(failure: "expected the plan to use index \(name), but the plan does not read \(table)",
                                      hint: "the index is on \(table), which this statement does not read"))
        }
        return record(PlanOutcome(
            failure: "expected the plan to use index \(name), but \(table) is read by \(chosen.summary)",
            node: chosen,
            hint: "with few rows the planner rightly prefers other paths: seed enough rows and ANALYZE, or assert indexUsable(on: \"\(table)\")",
            tie: TieProbe.disabling(chosen, satisfied: holds)))
    }
}
