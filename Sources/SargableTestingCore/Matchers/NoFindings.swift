import SargablePlan

extension PlanCheck {
    /// The plan-insight rule `rule` finds nothing in this plan (`plan.noFindings(PlanSeqScanFilter.self)`;
    /// the rules are in the `SargableLint` product, which a test target may import beside this one).
    @discardableResult
    public func noFindings(_ rule: any PlanRule.Type) -> Bool {
        guard let finding = rule.check(plan).first else { return pass() }
        return record(PlanOutcome(
            failure: "expected no \(rule.metadata.id) finding, but \(finding.finding.message)",
            node: plan.node(finding.nodeID),
            hint: finding.finding.help))
    }
}
