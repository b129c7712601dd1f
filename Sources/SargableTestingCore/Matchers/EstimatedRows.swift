import SargablePlan

extension PlanCheck {
    /// The planner expects at most `limit` rows from every node reading `table`.
    @discardableResult
    public func estimatedRows(on table: String, atMost limit: Double) -> Bool {
        let reading = nodes(on: table)
        guard let largest = reading.max(by: { $0.planRows < $1.planRows }) else {
            return record(PlanOutcome(failure: "expected at most \(Int(limit)) estimated rows on \(table), but the plan does not read \(table)"))
        }
        guard largest.planRows > limit else { return pass() }
        return record(PlanOutcome(
            failure: "expected at most \(Int(limit)) estimated rows on \(table), but \(largest.summary) expects \(Int(largest.planRows))",
            node: largest,
            hint: "ANALYZE \(table) after loading test data; for correlated columns, CREATE STATISTICS on them"))
    }
}
