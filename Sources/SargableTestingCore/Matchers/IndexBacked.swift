import SargablePlan

extension PlanCheck {
    /// `table` is read through an index: an Index, Index Only or Bitmap Heap Scan.
    @discardableResult
    public func indexBacked(on table: String) -> Bool {
        let holds = { (plan: ExplainPlan) in Self.indexBackedNode(on: table, in: plan) != nil }
        if holds(plan) { return pass() }
        guard let chosen = nodes(on: table).first else {
            return record(PlanOutcome(failure: "expected \(table) to be read through an index, but the plan does not read \(table)"))
        }
        return record(PlanOutcome(
            failure: "expected \(table) to be read through an index, but it is read by \(chosen.summary)",
            node: chosen,
            hint: "if no index covers the filter, create one; with few rows a Seq Scan is the right plan: "
                + "seed enough rows and ANALYZE, or assert indexUsable(on: \"\(table)\")",
            tie: TieProbe.disabling(chosen, satisfied: holds)))
    }

    static func indexBackedNode(on table: String, in plan: ExplainPlan) -> PlanNode? {
        plan.nodes.first { node in
            [.indexScan, .indexOnlyScan, .bitmapHeapScan].contains(node.nodeType) && (node.relationName == table || node.alias == table)
        }
    }
}
