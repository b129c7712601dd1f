import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum ImplicitCrossJoin: SQLRule {
    public static let metadata = RuleMetadata(
        id: "implicit-cross-join",
        title: "FROM items with no condition linking them",
        severity: .warning,
        category: .query,
        rationale: """
        Two tables listed in FROM (with a comma or CROSS JOIN) and never related by a predicate pair \
        every row of one with every row of the other: 10,000 users × 100,000 orders is a billion rows. \
        Usually a join condition was forgotten in the WHERE clause.
        """,
        fix: "Join them on the key that relates them: `FROM orders o JOIN users u ON u.id = o.user_id`.",
        bad: [
            RuleExample("SELECT u.email, o.total_cents FROM users u, ↓orders o WHERE o.status = 'paid' LIMIT 10"),
            RuleExample("SELECT p.name FROM products p CROSS JOIN ↓order_items i WHERE p.price_cents > 100 LIMIT 10"),
        ],
        good: [
            RuleExample("SELECT u.email, o.total_cents FROM users u, orders o WHERE o.user_id = u.id LIMIT 10"),
            RuleExample("SELECT u.email FROM users u JOIN orders o ON o.user_id = u.id LIMIT 10"),
            RuleExample("SELECT t.id, g FROM users t, generate_series(1, 3) g LIMIT 10"),
            RuleExample("WITH cutoff AS (SELECT now() - interval '1 day' AS at)\nSELECT o.id FROM orders o, cutoff WHERE o.created_at > cutoff.at LIMIT 10"),
        ])

    public static func check(_ context: RuleContext) {
        for select in context.nodes(.selectStmt) {
            let items = select[.fromClause]?.elements ?? []
            guard items.count > 1 || items.contains(where: { $0.kind == .joinExpr }) else { continue }
            let cteNames = Set((context.root[.withClause, .ctes]?.elements ?? []) .compactMap { $0[.ctename]?.string }
                + (select[.withClause, .ctes]?.elements ?? []).compactMap { $0[.ctename]?.string })
            var groups = Groups()
            for item in items { _ = groups.add(item, cteNames: cteNames) }
            guard groups.leaves.count > 1 else { continue }
            for conjunct in select[.whereClause]?.conjuncts ?? [] { groups.link(by: conjunct, context: context) }
            guard let stray = groups.firstUnlinkedLeaf() else { continue }
            let first = groups.leaves[0].name
            context.report(stray.node, FindingText(
                message: "\(stray.name) is joined to \(first) without a condition: every row pairs with every row",
                help: "join \(stray.name) on the key that relates it to \(first) (join … on …)"))
        }
    }

    /// FROM items as leaves in union–find groups: joined with a condition means linked.
    struct Groups {
        var leaves: [(alias: String, name: String, node: Node)] = []
        var parent: [Int] = []

        mutating func find(_ leaf: Int) -> Int {
            var root = leaf
            while parent[root] != root { root = parent[root] }
            parent[leaf] = root
            return root
        }

        mutating func union(_ members: [Int]) {
            guard let first = members.first else { return }
            let root = find(first)
            for member in members.dropFirst() { parent[find(member)] = root }
        }

        /// Adds a FROM item and returns its leaves. Functions, LATERAL subqueries and CTE references
        /// are left out: they are usually one row, or linked through their arguments.
        mutating func add(_ item: Node, cteNames: Set<String>) -> [Int] {
            switch item.kind {
            case .rangeVar:
                guard let name = item.relationName, !(name.schema == "public" && cteNames.contains(name.name)) else { return [] }
                let alias = item[.alias, .aliasname]?.string ?? name.name
                leaves.append((alias, alias == name.name ? name.description : "\(name) \(alias)", item))
                parent.append(leaves.count - 1)
                return [leaves.count - 1]
            case .rangeSubselect:
                guard item[.lateral]?.bool != true, let alias = item[.alias, .aliasname]?.string else { return [] }
                leaves.append((alias, alias, item))
                parent.append(leaves.count - 1)
                return [leaves.count - 1]
            case .rangeTableSample:
                return item[.relation].map { add($0, cteNames: cteNames) } ?? []
            case .joinExpr:
                let members = (item[.larg].map { add($0, cteNames: cteNames) } ?? [])
                    + (item[.rarg].map { add($0, cteNames: cteNames) } ?? [])
                let isCross = item[.quals] == nil && item[.usingClause] == nil && item[.isNatural]?.bool != true
                if !isCross { union(members) }
                return members
            default:
                return []
            }
        }

        /// Links the items whose columns one WHERE conjunct uses. A column that cannot be placed
        /// (unqualified, not in the schema) may belong to any item: the items are then treated as linked.
        mutating func link(by conjunct: Node, context: RuleContext) {
            var members: [Int] = []
            var unplaced = 0
            var references: [Node] = []
            conjunct.walk { node in
                if node.kind == .columnRef { references.append(node) }
                return .visitChildren
            }
            for reference in references {
                guard let (qualifier, column) = reference.columnReference else { continue }
                if let qualifier {
                    if let index = leaves.firstIndex(where: { $0.alias == qualifier }) { members.append(index) }
                    continue
                }
                let owners = leaves.indices.filter { index in
                    guard let name = leaves[index].node.relationName, let table = context.schema.table(name) else { return false }
                    return table.column(named: column) != nil
                }
                if owners.count == 1 { members.append(owners[0]) } else { unplaced += 1 }
            }
            if unplaced > 0, references.count > 1 { members = Array(leaves.indices) }
            union(members)
        }

        mutating func firstUnlinkedLeaf() -> (name: String, node: Node)? {
            let root = find(0)
            for index in leaves.indices.dropFirst() where find(index) != root {
                return (leaves[index].name, leaves[index].node)
            }
            return nil
        }
    }
}
