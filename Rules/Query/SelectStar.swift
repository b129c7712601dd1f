import SargableCore
import SargableLint
import SargableSyntax

public enum SelectStar: SQLRule {
    public static let metadata = RuleMetadata(
        id: "select-star",
        title: "SELECT * in the rows a query returns",
        severity: .warning,
        category: .query,
        rationale: """
        `*` sends every column, including wide ones the caller never reads, defeats index-only scans, \
        and silently changes the result when a migration adds, drops or reorders columns. It applies to \
        the outer SELECT and to CTEs and subqueries in FROM whose rows flow into it; `count(*)` and \
        `EXISTS (SELECT * …)` read no columns and are fine.
        """,
        fix: "List the columns the caller uses: `SELECT id, email FROM users`.",
        bad: [
            RuleExample("SELECT ↓* FROM users WHERE id = $1"),
            RuleExample("SELECT u.id, ↓o.* FROM users u JOIN orders o ON o.user_id = u.id LIMIT 10"),
            RuleExample("WITH recent AS (SELECT ↓* FROM orders WHERE created_at > now() - interval '1 day')\nSELECT id FROM recent"),
            RuleExample("SELECT id FROM (SELECT ↓* FROM products) p LIMIT 5"),
        ],
        good: [
            RuleExample("SELECT id, email FROM users WHERE id = $1"),
            RuleExample("SELECT count(*) FROM orders"),
            RuleExample("SELECT id FROM users u WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = u.id) LIMIT 10"),
        ])

    public static func check(_ context: RuleContext) {
        guard context.root.kind == .selectStmt else { return }
        visit(context.root, context)
    }

    /// A SELECT whose rows are returned: its target list, its set-operation arms, its CTEs and its
    /// FROM subqueries. Subqueries in expressions (EXISTS, IN, scalar) return no rows to the client.
    private static func visit(_ select: Node, _ context: RuleContext) {
        for arm in [select[.larg], select[.rarg]].compactMap({ $0 }) { visit(arm, context) }
        for cte in select[.withClause, .ctes]?.elements ?? [] {
            if let query = cte[.ctequery], query.kind == .selectStmt { visit(query, context) }
        }
        for target in select[.targetList]?.elements ?? [] {
            guard let value = target[.val], value.isStarReference else { continue }
            let scope = FromScope(select)
            let qualifier = value.columnReference?.qualifier ?? value[.fields]?.elements.first?[.sval]?.string
            let source: String
            if let qualifier, value[.fields]?.elements.count ?? 0 > 1 {
                source = scope.relation(forAlias: qualifier)?.description ?? qualifier
            } else {
                source = scope.relations.map(\.description).joined(separator: ", ")
            }
            let of = source.isEmpty ? "" : " of \(source)"
            context.report(value, FindingText(
                message: "select \(value[.fields]?.elements.count ?? 0 > 1 ? "\(qualifier ?? "").*" : "*") returns every column\(of)",
                help: "list the columns the caller uses"))
        }
        for item in select[.fromClause]?.elements ?? [] {
            item.walk { node in
                if node.kind == .rangeSubselect {
                    if let subquery = node[.subquery] { visit(subquery, context) }
                    return .skipChildren
                }
                return .visitChildren
            }
        }
    }
}
