import SargableCore
import SargablePlan

/// Plan and database rules documented in the catalogue beside the SQL rules.
public enum PlanAndDatabaseRules {
    public nonisolated(unsafe) static let all: [any DocumentedRule.Type] =
        PlanChecks.rules.map { $0 as any DocumentedRule.Type } + DatabaseChecks.documented.map { $0 as any DocumentedRule.Type }
}
