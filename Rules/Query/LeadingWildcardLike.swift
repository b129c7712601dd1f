import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum LeadingWildcardLike: SQLRule {
    public static let metadata = RuleMetadata(
        id: "leading-wildcard-like",
        title: "LIKE pattern that starts with a wildcard",
        severity: .warning,
        category: .query,
        rationale: """
        A B-tree index finds strings by their prefix. A LIKE or ILIKE pattern that starts with `%` or \
        `_` (also `'%' || $1 || '%'`) has no fixed prefix, so every row is read and matched. The rule is \
        silent when the schema has a trigram (pg_trgm) index on the column.
        """,
        fix: """
        Create a trigram index, which serves any LIKE/ILIKE: \
        `CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE INDEX CONCURRENTLY ON products USING gin (name gin_trgm_ops)`; \
        or use full-text search for words.
        """,
        bad: [
            RuleExample("SELECT id FROM products WHERE name ILIKE ↓'%' || $1 || '%' LIMIT 20"),
            RuleExample("SELECT id FROM users WHERE email LIKE ↓'%@example.com' LIMIT 20"),
            RuleExample("SELECT id FROM users WHERE name ~~ ↓'_ohn' LIMIT 20"),
        ],
        good: [
            RuleExample("SELECT id FROM users WHERE email LIKE 'alice%' LIMIT 20"),
            RuleExample("CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);\nSELECT id FROM products WHERE name ILIKE '%' || $1 || '%' LIMIT 20"),
        ])

    static let likeOperators: Set<String> = ["~~", "~~*", "!~~", "!~~*"]

    public static func check(_ context: RuleContext) {
        do {
            for (expression, clause) in context.predicateExpressions {
                let kind = expression.as(AExpr.self)?.kind
                guard kind == .like || kind == .ilike
                        || (kind == .op && likeOperators.contains(expression.operatorName ?? "")),
                      let pattern = expression[.rexpr], let wildcard = leadingWildcard(pattern),
                      let subject = expression[.lexpr]
                else { continue }
                let scope = clause.scope
                let column = subject.columnReferences.first
                let table = column.flatMap { context.table(of: $0, in: scope) }
                let subjectText = ExpressionText.of(subject)
                let candidates = table.map { [$0] } ?? context.knownTables(in: scope)
                if candidates.contains(where: { hasTrigramIndex(subject, on: $0) }) { continue }
                let tableName = table?.name.description ?? scope.relations.first?.description ?? "the table"
                let target = table.map { "\($0.name).\(subjectText)" } ?? subjectText
                let key = subject.kind == .columnRef ? subjectText : "(\(subjectText))"
                context.report(wildcard, FindingText(
                    message: "pattern on \(target) starts with a wildcard: a b-tree index cannot serve it",
                    help: "create extension pg_trgm; create index concurrently on \(tableName) using gin (\(key) gin_trgm_ops)"))
            }
        }
    }

    /// The constant that puts `%` or `_` first in the pattern, if one does.
    static func leadingWildcard(_ pattern: Node) -> Node? {
        switch pattern.kind {
        case .aConst:
            guard let text = pattern.stringConstant, let first = text.first, first == "%" || first == "_" else { return nil }
            return pattern
        case .aExpr where pattern.operatorName == "||":
            return pattern[.lexpr].flatMap(leadingWildcard)
        case .funcCall where pattern.functionName == "concat":
            return pattern[.args]?.elements.first.flatMap(leadingWildcard)
        case .typeCast:
            return pattern[.arg].flatMap(leadingWildcard)
        default:
            return nil
        }
    }

    static func hasTrigramIndex(_ subject: Node, on table: Table) -> Bool {
        let column = subject.kind == .columnRef ? subject.columnReference?.column : nil
        let structure = ExpressionIdentity.structure(of: subject)
        return table.indexes.contains { index in
            guard index.method == "gin" || index.method == "gist" else { return false }
            return zip(index.keys, index.operatorClasses + Array(repeating: nil, count: index.keys.count)).contains { key, opclass in
                guard opclass?.contains("trgm") == true else { return false }
                switch key {
                case .column(let name): return name == column
                case .expression(let expression): return expression.structure == structure
                }
            }
        }
    }
}
