import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum UnboundedSelect: SQLRule {
    public static let metadata = RuleMetadata(
        id: "unbounded-select",
        title: "Query returns an unbounded number of rows",
        severity: .warning,
        category: .query,
        rationale: """
        A query that sends the client every matching row, with no LIMIT, no aggregation and no lookup \
        by a primary or unique key, grows with the table: fine in development, a timeout and a memory \
        spike in production. Only the outermost SELECT counts (not subqueries, not INSERT … SELECT); the \
        schema model decides which columns are keys (a table the model does not know is assumed to be \
        keyed by `id`).
        """,
        fix: "Add `ORDER BY … LIMIT n` and paginate with a keyset, aggregate in SQL, or look the row up by its key.",
        bad: [
            RuleExample("↓SELECT id, email FROM users WHERE status = 'active'"),
            RuleExample("↓SELECT id FROM products TABLESAMPLE SYSTEM (10)"),
            RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n↓SELECT id FROM users WHERE email = $1"),
            // The unbounded side may be a set operation itself.
            RuleExample("↓(SELECT user_id FROM orders UNION SELECT user_id FROM refunds) UNION SELECT 1"),
        ],
        good: [
            RuleExample("SELECT id, email FROM users WHERE status = 'active' ORDER BY id LIMIT 100"),
            RuleExample("SELECT id, email FROM users WHERE id = $1"),
            RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);\nSELECT id FROM users WHERE email = $1"),
            RuleExample("SELECT status, count(*) FROM orders GROUP BY status"),
            RuleExample("SELECT now()"),
            RuleExample("INSERT INTO archived_orders SELECT id, user_id FROM orders WHERE created_at < $1"),
        ])

    public static let statementKinds: [NodeKind]? = [.selectStmt]

    public static func check(_ context: RuleContext) {
        guard isUnbounded(context.root, context, isRoot: true) else { return }
        let tables = context.rootScope.relations.map(\.description)
        let what = tables.isEmpty ? "a subquery" : Array(Set(tables)).sorted().joined(separator: ", ")
        context.reportAtStatement(FindingText(
            message: "query returns every matching row of \(what): no limit, no aggregate, no key lookup",
            help: "add order by … limit n (keyset pagination), aggregate in sql, or look rows up by their key"))
    }

    /// `isRoot`: `select` is the statement's root, whose FROM items the context has read once.
    static func isUnbounded(_ select: Node, _ context: RuleContext, isRoot: Bool = false) -> Bool {
        if let limit = select[.limitCount], limit[.isnull]?.bool != true { return false }
        // A set operation's sides are SelectStmts in typed fields, written without their kind: read `op` directly.
        if let operation = select[.op]?.enumValue(SetOperation.self), operation != .none {
            return [select[.larg], select[.rarg]].compactMap { $0 }.contains { isUnbounded($0, context) }
        }
        if select[.valuesLists] != nil { return false }
        if !(select[.groupClause]?.elements.isEmpty ?? true) { return false }
        let scope = isRoot ? context.rootScope : FromScope(select)
        guard !scope.relations.isEmpty else { return false }
        if let targets = select[.targetList], !QueryShape.nodes(.funcCall, in: targets).filter(QueryShape.isAggregate).isEmpty {
            return false
        }
        return !isKeyLookup(select, scope: scope, context: context)
    }

    /// True when equalities in the WHERE clause pin a primary or unique key of a table read.
    static func isKeyLookup(_ select: Node, scope: FromScope, context: RuleContext) -> Bool {
        guard let predicate = select[.whereClause] else { return false }
        var pinned: [RelationName: Set<String>] = [:]
        for conjunct in predicate.conjuncts where conjunct.kind == .aExpr {
            let kind = conjunct.as(AExpr.self)?.kind
            guard (kind == .op && conjunct.operatorName == "=") || kind == .in
                    || (kind == .opAny && conjunct.operatorName == "=") else { continue }
            for (side, other) in [(conjunct[.lexpr], conjunct[.rexpr]), (conjunct[.rexpr], conjunct[.lexpr])] {
                guard let side, side.kind == .columnRef, let column = side.columnReference?.column else { continue }
                // `a.id = b.id` relates two tables; it pins nothing.
                if let other, other.kind == .columnRef { continue }
                let table = context.table(of: side, in: scope)?.name
                    ?? side.columnReference?.qualifier.flatMap(scope.relation(forAlias:))
                    ?? (scope.relations.count == 1 ? scope.relations[0] : nil)
                guard let table else { continue }
                pinned[table, default: []].insert(column)
            }
        }
        return pinned.contains { table, columns in
            if let known = context.schema.table(table), known.primaryKey != nil || !known.indexes.isEmpty {
                return known.isUniqueKey(columns)
            }
            return columns.contains("id")
        }
    }
}
