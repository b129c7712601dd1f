import SargablePlan

extension PlanCheck {
    /// Some index *can* serve `table` for this statement: with `enable_seqscan = off` the planner
    /// reads it through an index. The assertion that holds on tiny test tables, where the
    /// planner rightly chooses a Seq Scan.
    @discardableResult
    public func indexUsable(on table: String) -> Bool {
        if Self.indexBackedNode(on: table, in: plan) != nil { return pass() }
        let forced: ExplainPlan
        do {
            forced = try context.replan(settings: ["enable_seqscan": "off"])
        } catch {
            return record(PlanOutcome(failure: "cannot re-plan with enable_seqscan = off: \(error)"))
        }
        if Self.indexBackedNode(on: table, in: forced) != nil { return pass() }
        let chosen = forced.nodes.first { $0.relationName == table || $0.alias == table }
        return record(PlanOutcome(
            failure: "expected an index to be usable on \(table), but even with enable_seqscan = off the planner reads it by "
                + (chosen?.summary ?? "no scan of \(table)"),
            node: chosen, plan: forced,
            hint: "no index matches the statement's conditions on \(table): create one on the filtered columns "
                + "(with the operator class the comparison needs)"))
    }
}
