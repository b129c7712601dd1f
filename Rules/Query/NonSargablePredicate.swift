import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum NonSargablePredicate: SQLRule {
    public static let metadata = RuleMetadata(
        id: "non-sargable-predicate",
        title: "Column wrapped in a function, cast or arithmetic in a comparison",
        severity: .warning,
        category: .query,
        rationale: """
        An index on `created_at` stores `created_at`, not `created_at::date` or \
        `date_trunc('month', created_at)`. When a comparison in WHERE, JOIN … ON or HAVING wraps the \
        column in a function, a cast or arithmetic, no index on the column can serve it and the planner \
        falls back to reading every row. The rule is silent when the schema has an index on exactly that \
        expression.
        """,
        fix: """
        Compare the bare column: turn date functions and casts into a range \
        (`created_at >= $1 AND created_at < $1 + interval '1 day'`), move arithmetic to the other side \
        (`id = $1 - 1`); or create an expression index that matches the predicate \
        (`CREATE INDEX CONCURRENTLY ON users (lower(email))`).
        """,
        bad: [
            RuleExample("SELECT id FROM users WHERE ↓lower(email) = lower($1)"),
            RuleExample("SELECT id FROM orders WHERE ↓created_at::date = '2024-05-01' LIMIT 100"),
            RuleExample("SELECT count(*) FROM orders WHERE ↓date_trunc('month', created_at) = '2024-05-01'"),
            RuleExample("SELECT count(*) FROM orders WHERE ↓extract(year FROM created_at) = 2024"),
            RuleExample("SELECT id FROM users WHERE ↓coalesce(status, 'active') = 'active' LIMIT 10"),
            RuleExample("SELECT id FROM orders WHERE ↓total_cents * 100 > $1 LIMIT 10"),
            RuleExample("SELECT o.id FROM orders o JOIN users u ON ↓o.user_id + 0 = u.id WHERE u.id = $1"),
        ],
        good: [
            RuleExample("SELECT id FROM orders WHERE created_at >= '2024-05-01' AND created_at < '2024-05-02' LIMIT 100"),
            RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE INDEX users_email_lower ON users (lower(email));\nSELECT id FROM users WHERE lower(email) = lower($1)"),
            RuleExample("SELECT user_id, count(*) FROM orders GROUP BY user_id HAVING count(*) > 5"),
            // Values of a set-returning function and an outer row's columns have no index to miss.
            RuleExample("SELECT o.id FROM orders o, jsonb_array_elements(o.items) item WHERE jsonb_typeof(item->'qty') = 'number' LIMIT 10"),
            RuleExample("SELECT count(*) FROM jsonb_array_elements($1::jsonb) WHERE (value->>'qty')::int > 5"),
            RuleExample("SELECT u.id, l.flag FROM users u CROSS JOIN LATERAL (SELECT 1 AS flag WHERE lower(u.email) = 'a@b.c') l LIMIT 10"),
            RuleExample("SELECT id FROM orders WHERE total_cents > $1 / 100 LIMIT 10"),
        ])

    static let comparisonOperators: Set<String> = ["=", "<", ">", "<=", ">=", "<>", "!=", "~~", "~~*", "!~~", "!~~*"]
    static let arithmeticOperators: Set<String> = ["+", "-", "*", "/", "%", "||"]
    static let comparisonKinds: Set<AExprKind> = [.in, .between, .notBetween, .like, .ilike]

    public static func check(_ context: RuleContext) {
        do {
            for (comparison, clause) in context.predicateExpressions {
                guard let kind = comparison.as(AExpr.self)?.kind else { continue }
                let sides: [Node?]
                if kind == .op, comparisonOperators.contains(comparison.operatorName ?? "") {
                    sides = [comparison[.lexpr], comparison[.rexpr]]
                } else if comparisonKinds.contains(kind) {
                    sides = [comparison[.lexpr]]
                } else {
                    continue
                }
                // Only a table's column can have an index: not a function's or an outer query's value.
                for side in sides.compactMap({ $0 }) where isWrappedColumn(side)
                    && side.columnReferences.contains(where: clause.scope.isTableColumn) {
                    report(side, context: context, scope: clause.scope)
                }
            }
        }
    }

    /// A function call, cast, COALESCE or arithmetic whose value depends on a column.
    static func isWrappedColumn(_ expression: Node) -> Bool {
        switch expression.kind {
        case .funcCall:
            // Aggregates in HAVING compare a group's value, not a column.
            guard !QueryShape.isAggregate(expression), expression[.over] == nil else { return false }
        case .typeCast, .coalesceExpr: break
        case .aExpr:
            guard expression.as(AExpr.self)?.kind == .op,
                  arithmeticOperators.contains(expression.operatorName ?? "") else { return false }
        default: return false
        }
        return QueryShape.referencesColumn(expression)
    }

    private static func report(_ expression: Node, context: RuleContext, scope: FromScope) {
        let text = ExpressionText.of(expression)
        guard let column = expression.columnReferences.first(where: scope.isTableColumn),
              let name = column.columnReference?.column else { return }
        let table = context.table(of: column, in: scope)
        let candidates = table.map { [$0] } ?? context.knownTables(in: scope)
        let structure = ExpressionIdentity.structure(of: expression)
        if candidates.contains(where: { hasExpressionIndex(structure, on: $0) }) { return }
        let tableName = table?.name.description ?? scope.relations.first?.description ?? "the table"
        // CREATE INDEX takes a function call as a key as is; other expressions need parentheses.
        let key = expression.kind == .funcCall ? text : "(\(text))"
        let columnText = table.map { "\($0.name).\(name)" } ?? name
        let help: String
        var wrapper = expression.functionName ?? (expression.kind == .typeCast ? "cast" : expression.kind == .coalesceExpr ? "coalesce" : "arithmetic")
        // A cast to date truncates a timestamp like date_trunc does: the range rewrite applies.
        if wrapper == "cast", text.hasSuffix("::date") { wrapper = "date" }
        switch wrapper {
        case "date_trunc", "extract", "date_part", "date":
            help = "compare \(name) with a range: \(name) >= $start and \(name) < $end"
        case "arithmetic":
            help = "move the arithmetic to the other side of the comparison so \(name) stands alone"
        case "coalesce":
            help = "spell out the null case: (\(name) = $1 or \(name) is null), or create index concurrently on \(tableName) (\(key))"
        default:
            help = "create index concurrently on \(tableName) (\(key)), or compare the stored value directly"
        }
        context.report(expression, FindingText(
            message: "\(text) hides \(columnText) from its index: the comparison cannot use an index on the column",
            help: help))
    }

    /// True when a full index of `table` is led by an expression with this structure.
    static func hasExpressionIndex(_ structure: String, on table: Table) -> Bool {
        table.indexes.contains { index in
            !index.isPartial && index.keys.first.map { key in
                guard case .expression(let expression) = key else { return false }
                return expression.structure == structure
            } ?? false
        }
    }
}
