import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum NotInSubquery: SQLRule {
    public static let metadata = RuleMetadata(
        id: "not-in-subquery",
        title: "NOT IN (SELECT …)",
        severity: .warning,
        category: .query,
        rationale: """
        `x NOT IN (SELECT y …)` is NULL, not true, as soon as the subquery yields one NULL, so the query \
        silently returns nothing; and PostgreSQL cannot plan it as an anti-join, so it hashes the whole \
        subquery or, when that does not fit in work_mem, rescans it for every outer row. A `NOT IN` over \
        a list of constants is fine.
        """,
        fix: "Use `NOT EXISTS (SELECT 1 FROM … WHERE inner.y = outer.x)`.",
        bad: [RuleExample("SELECT id FROM users WHERE ↓id NOT IN (SELECT user_id FROM orders) LIMIT 100")],
        good: [
            RuleExample("SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id) LIMIT 100"),
            RuleExample("SELECT id FROM orders WHERE status NOT IN ('cancelled', 'refunded') LIMIT 100"),
        ])

    public static func check(_ context: RuleContext) {
        for expression in context.nodes(.boolExpr) where expression.as(BoolExpr.self)?.boolop == .not {
            guard let argument = expression[.args]?.elements.first, argument.kind == .subLink,
                  argument.as(SubLink.self)?.subLinkType == .any else { continue }
            let column = argument[.testexpr].map(ExpressionText.of) ?? "value"
            context.report(expression, FindingText(
                message: "\(column) not in (select …) is never true when the subquery returns a null, and is not planned as an anti-join",
                help: "rewrite as not exists (select 1 from … where … = \(column))"))
        }
    }
}
