import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum UnindexedForeignKey: SQLRule {
    public static let metadata = RuleMetadata(
        id: "unindexed-foreign-key",
        title: "Foreign key without an index on its columns",
        severity: .warning,
        category: .schema,
        rationale: """
        PostgreSQL indexes the referenced key but not the referencing columns. Without an index led by \
        them, every DELETE or key UPDATE on the parent scans the whole child table (under a lock), and \
        joins from parent to children cannot use an index. Decided after replaying every file, so an \
        index created in a later migration counts; partial indexes do not.
        """,
        fix: "Create an index led by the foreign-key columns: `CREATE INDEX CONCURRENTLY ON orders (user_id)`.",
        bad: [
            RuleExample("CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL ↓REFERENCES users (id) ON DELETE CASCADE)"),
            RuleExample("CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL);\nALTER TABLE order_items ADD ↓CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE"),
        ],
        good: [
            RuleExample("CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE);\nCREATE INDEX orders_user_id_idx ON orders (user_id)"),
            RuleExample("CREATE TABLE order_items (order_id bigint REFERENCES orders (id) ON DELETE CASCADE, line int, PRIMARY KEY (order_id, line))"),
        ])

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        for foreignKey in ForeignKeyDefinition.all(in: context.root) where !foreignKey.columns.isEmpty {
            let table = foreignKey.table, columns = foreignKey.columns
            context.reportAfterReplay(foreignKey.constraint) { schema in
                guard let final = schema.table(table),
                      final.foreignKeys.contains(where: { $0.columns == columns }),
                      !final.hasIndex(leadingWith: columns) else { return nil }
                let list = columns.joined(separator: ", ")
                return FindingText(message: "foreign key \(table).\(columns.joined(separator: ", \(table).")) has no index",
                                   help: "create index concurrently on \(table) (\(list))")
            }
        }
    }
}
