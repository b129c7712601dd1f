import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum UnfilteredWrite: SQLRule {
    public static let metadata = RuleMetadata(
        id: "unfiltered-write",
        title: "UPDATE or DELETE without WHERE",
        severity: .warning,
        category: .query,
        rationale: """
        An UPDATE or DELETE without WHERE touches every row of the table: usually a forgotten or \
        truncated condition, and on a large table a long lock, a burst of WAL and a table full of dead \
        tuples. `WHERE CURRENT OF cursor` counts as a condition.
        """,
        fix: """
        Add the WHERE clause. When every row is meant (a backfill), batch it by key ranges and say so \
        with `-- sargable-ignore unfiltered-write: reason`.
        """,
        bad: [
            RuleExample("DELETE FROM ↓orders"),
            RuleExample("UPDATE ↓users SET status = 'inactive'"),
        ],
        good: [
            RuleExample("DELETE FROM orders WHERE id = $1"),
            RuleExample("UPDATE users SET status = 'inactive' WHERE created_at < now() - interval '2 years'"),
        ])

    public static func check(_ context: RuleContext) {
        for (statement, verb) in context.nodes(.updateStmt).map({ ($0, "update") }) + context.nodes(.deleteStmt).map({ ($0, "delete from") })
        where statement[.whereClause] == nil {
            guard let relation = statement[.relation] else { continue }
            let table = relation.relationName?.description ?? "the table"
            context.report(relation, FindingText(message: "\(verb) \(table) has no where clause: it changes every row",
                                                 help: "add a where clause, or batch the change by key ranges"))
        }
    }
}
