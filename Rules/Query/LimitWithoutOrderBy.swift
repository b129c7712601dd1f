import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum LimitWithoutOrderBy: SQLRule {
    public static let metadata = RuleMetadata(
        id: "limit-without-order-by",
        title: "LIMIT without ORDER BY",
        severity: .info,
        category: .query,
        rationale: """
        Without ORDER BY, which rows LIMIT keeps depends on the plan: a new index, a parallel scan or \
        a synchronized sequential scan changes the answer, and pages overlap or skip rows.
        """,
        fix: "Add an ORDER BY on a unique key (`ORDER BY created_at DESC, id DESC`).",
        bad: [RuleExample("SELECT id FROM orders WHERE status = 'open' ↓LIMIT 10")],
        good: [
            RuleExample("SELECT id FROM orders WHERE status = 'open' ORDER BY id LIMIT 10"),
            RuleExample("SELECT id FROM orders WHERE user_id = $1 LIMIT 1"),
        ])

    public static func check(_ context: RuleContext) {
        for select in context.nodes(.selectStmt) {
            guard let limit = select[.limitCount], limit[.isnull]?.bool != true, select[.sortClause] == nil,
                  !FromScope(select).relations.isEmpty else { continue }
            // LIMIT 1 asks for any one row (an existence check) and LIMIT 0 for none: order does not matter.
            if let count = limit.integerConstant, count <= 1 { continue }
            let offset = limitKeywordOffset(before: context.startOffset(of: limit), in: context)
            context.report(byteOffset: offset, FindingText(
                message: "limit without order by returns an arbitrary subset of the rows",
                help: "add an order by on a unique key before the limit"))
        }
    }

    /// The LIMIT (or FETCH) keyword before the count, found with the scanner.
    static func limitKeywordOffset(before countOffset: Int, in context: RuleContext) -> Int {
        let start = context.statement.range.lowerBound
        guard let tokens = try? PgQuery.scan(context.document.file.text(of: start ..< countOffset)) else { return countOffset }
        let source = context.document.file
        for token in tokens.reversed() where token.kind == .keyword {
            let word = source.text(of: token.range.lowerBound + start ..< token.range.upperBound + start).lowercased()
            if word == "limit" || word == "fetch" { return token.range.lowerBound + start }
        }
        return countOffset
    }
}
