import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum ArrayColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "array-column",
        title: "Column of array type",
        severity: .info,
        category: .schema,
        rationale: """
        An array column stores a list in one value: its elements cannot reference other rows, be \
        constrained one by one, or be joined and counted without unnesting, and updating one element \
        rewrites the whole row. Sometimes right (tags searched with a GIN index); often a child table \
        in disguise.
        """,
        fix: "Store one row per element in a child table (`product_tags (product_id, tag)`), or index the array with GIN if it stays.",
        bad: [RuleExample("CREATE TABLE products (id bigint PRIMARY KEY, tags ↓text[])")],
        good: [RuleExample("CREATE TABLE product_tags (product_id bigint REFERENCES products (id) ON DELETE CASCADE, tag text, PRIMARY KEY (product_id, tag))")])

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let table = context.root[.relation]?.relationName else { return }
        for definition in context.nodes(.columnDef) {
            guard let column = definition[.colname]?.string, let typeName = definition[.typeName],
                  TypeText.isArray(typeName) else { continue }
            context.report(typeName, FindingText(message: "column \(table).\(column) is an array (\(TypeText.of(typeName)))",
                                                 help: "store one row per element in a child table, or index it with gin if it stays"))
        }
    }
}
