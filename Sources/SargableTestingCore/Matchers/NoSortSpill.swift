import SargablePlan

extension PlanCheck {
    /// No sort of the executed plan went to disk (needs `analyze`, which is the default).
    @discardableResult
    public func noSortSpill() -> Bool {
        guard plan.isAnalyzed else {
            return record(PlanOutcome(failure: "noSortSpill needs an executed plan, but this one was only planned",
                                      hint: "explain with analyze: true (writes are only planned)"))
        }
        guard let spilled = plan.nodes.first(where: {
            $0.nodeType.isSort && ($0.sortSpaceType == "Disk" || $0.sortMethod?.hasPrefix("external") == true)
        }) else { return pass() }
        return record(PlanOutcome(
            failure: "expected no sort to spill to disk, but \(spilled.summary) used \(spilled.sortMethod ?? "an external sort") "
                + "with \(spilled.sortSpaceUsed ?? 0) kB on disk",
            node: spilled,
            hint: "give the query more work_mem (SET LOCAL work_mem), sort fewer rows, or index the ORDER BY columns"))
    }
}
