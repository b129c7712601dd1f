import SargableCore

/// Plan and database rules documented in the catalogue beside the SQL rules.
public enum PlanAndDatabaseRules {
    public static let all: [any DocumentedRule.Type] = []
}
