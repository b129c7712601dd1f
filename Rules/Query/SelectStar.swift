import SargableAnalysis
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
            RuleExample("SELECT u.id, ↓o.*↑ FROM users u JOIN orders o ON o.user_id = u.id LIMIT 10"),
            RuleExample("WITH recent AS (SELECT ↓* FROM orders WHERE created_at > now() - interval '1 day')\nSELECT id FROM recent"),
            RuleExample("SELECT id FROM (SELECT ↓* FROM products) p LIMIT 5"),
        ],
        good: [
            RuleExample("SELECT id, email FROM users WHERE id = $1"),
            RuleExample("SELECT count(*) FROM orders"),
            RuleExample("SELECT id FROM users u WHERE EXISTS (SELECT * FROM orders o WHERE o.user_id = u.id) LIMIT 10"),
        ])

    public static let statementKinds: [NodeKind]? = [.selectStmt]

    public static func check(_ context: RuleContext) {
        visit(context.root, context, isRoot: true)
    }

    /// From the reference's first token through its `*` (`u.*` is three tokens).
    static func starRange(_ star: Node, _ context: RuleContext) -> Range<Int> {
        let start = context.startOffset(of: star)
        // A bare `*` is one byte; only `t.*` needs the tokens.
        if star[.fields]?.elements.count ?? 0 < 2 { return start ..< start + 1 }
        let base = context.statement.range.lowerBound
        let source = context.document.file
        let end = context.statementTokens.first { token in
            token.range.lowerBound + base >= start && source.text(of: token.range.lowerBound + base ..< token.range.upperBound + base) == "*"
        }.map { $0.range.upperBound + base } ?? start + 1
        return start ..< end
    }

    /// The columns `*` stands for, when the schema model knows them: `id, email` or `u.id, u.email`.
    static func columnList(for star: Node, scope: FromScope, context: RuleContext) -> String? {
        let parts = star[.fields]?.elements ?? []
        if parts.count > 1 {
            guard let qualifier = parts[parts.count - 2][.sval]?.string,
                  let table = scope.relation(forAlias: qualifier).flatMap(context.schema.table),
                  !table.columns.isEmpty else { return nil }
            return table.columns.map { "\(qualifier).\($0.name)" }.joined(separator: ", ")
        }
        // A bare `*` over one table: over several, the list would need qualifiers the query may not use.
        guard scope.relations.count == 1, let table = context.schema.table(scope.relations[0]),
              !table.columns.isEmpty else { return nil }
        return table.columns.map(\.name).joined(separator: ", ")
    }

    /// A SELECT whose rows are returned: its target list, its set-operation arms, its CTEs and its
    /// FROM subqueries. Subqueries in expressions (EXISTS, IN, scalar) return no rows to the client.
    /// `isRoot`: `select` is the statement's root, whose FROM items the context has read once.
    private static func visit(_ select: Node, _ context: RuleContext, isRoot: Bool = false) {
        for arm in [select[.larg], select[.rarg]].compactMap({ $0 }) { visit(arm, context) }
        for cte in select[.withClause, .ctes]?.elements ?? [] {
            if let query = cte[.ctequery], query.kind == .selectStmt { visit(query, context) }
        }
        for target in select[.targetList]?.elements ?? [] {
            guard let value = target[.val], value.isStarReference else { continue }
            let scope = isRoot ? context.rootScope : FromScope(select)
            let qualifier = value.columnReference?.qualifier ?? value[.fields]?.elements.first?[.sval]?.string
            let source: String
            if let qualifier, value[.fields]?.elements.count ?? 0 > 1 {
                source = scope.relation(forAlias: qualifier)?.description ?? qualifier
            } else {
                source = scope.relations.map(\.description).joined(separator: ", ")
            }
            let of = source.isEmpty ? "" : " of \(source)"
            context.report(range: starRange(value, context), FindingText(
                message: "select \(value[.fields]?.elements.count ?? 0 > 1 ? "\(qualifier ?? "").*" : "*") returns every column\(of)",
                help: "list the columns the caller uses",
                replacement: columnList(for: value, scope: scope, context: context)))
        }
        for item in select[.fromClause]?.elements ?? [] { visitFromItem(item, context) }
    }

    /// Subqueries in FROM, through joins.
    private static func visitFromItem(_ item: Node, _ context: RuleContext) {
        switch item.kind {
        case .rangeSubselect:
            if let subquery = item[.subquery] { visit(subquery, context) }
        case .joinExpr:
            for side in [item[.larg], item[.rarg]].compactMap({ $0 }) { visitFromItem(side, context) }
        default:
            return
        }
    }
}
