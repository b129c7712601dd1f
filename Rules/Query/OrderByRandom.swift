import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum OrderByRandom: SQLRule {
    public static let metadata = RuleMetadata(
        id: "order-by-random",
        title: "ORDER BY random()",
        severity: .warning,
        category: .query,
        rationale: """
        Sorting by `random()` computes a random value for every row that survives the WHERE clause and \
        sorts them all, only to keep a few: the cost grows with the table, not with the LIMIT.
        """,
        fix: """
        Sample instead: `FROM products TABLESAMPLE SYSTEM (1)`, or pick random keys in the key range \
        (`WHERE id >= (SELECT floor(random() * max(id)) FROM products) ORDER BY id LIMIT 1`).
        """,
        bad: [RuleExample("SELECT id, name FROM products ORDER BY ↓random() LIMIT 3")],
        good: [RuleExample("SELECT id, name FROM products TABLESAMPLE SYSTEM (1) LIMIT 3")])

    public static func check(_ context: RuleContext) {
        for sort in context.nodes(.sortBy) {
            guard let call = sort[.node], call.functionName == "random", call[.args] == nil else { continue }
            context.report(call, FindingText(message: "order by random() sorts every row to return a few",
                                             help: "sample with TABLESAMPLE or pick random keys in a bounded range"))
        }
    }
}
