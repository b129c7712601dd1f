import SargablePlan

extension PlanCheck {
    /// No Seq Scan reads `table`.
    @discardableResult
    public func noSeqScan(on table: String) -> Bool {
        let scan = { (plan: ExplainPlan) in
            plan.nodes.first { $0.nodeType == .seqScan && ($0.relationName == table || $0.alias == table) }
        }
        guard let chosen = scan(plan) else { return pass() }
        var hint = "with few rows a Seq Scan is the right plan: seed enough rows and ANALYZE, or assert indexUsable(on: \"\(table)\")"
        if chosen.filter != nil { hint = "index the columns of the filter, or " + hint }
        return record(PlanOutcome(
            failure: "expected no Seq Scan on \(table), but the plan has \(chosen.summary)",
            node: chosen, hint: hint,
            tie: TieProbe(settings: ["enable_seqscan": "off"], satisfied: { scan($0) == nil })))
    }
}
