import SargableCore
import SargableSchema

public enum UnindexedForeignKey: DatabaseRule {
    public static let metadata = RuleMetadata(
        id: "unindexed-foreign-key",
        title: "Foreign key without an index on its columns",
        severity: .warning,
        category: .database,
        rationale: """
        Deleting or updating a referenced row makes PostgreSQL look for referencing rows; without an \
        index led by the foreign-key columns that is a sequential scan of the referencing table for \
        every row deleted, under a lock. Joins from the parent to its children need the same index.
        """,
        fix: "Create an index led by the foreign-key columns, concurrently so writes are not blocked.",
        bad: [RuleExample("""
            CREATE TABLE orders (id bigserial PRIMARY KEY, ↓user_id bigint NOT NULL REFERENCES users (id));
            """)],
        good: [RuleExample("""
            CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
            CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
            """)]
    )

    public static func check(_ schema: SchemaModel) -> [Finding] {
        schema.sortedTables.flatMap { table in
            table.foreignKeys.filter { !table.hasIndex(leadingWith: $0.columns) }.map { foreignKey in
                let columns = foreignKey.columns.joined(separator: ", ")
                let shown = foreignKey.columns.count == 1 ? "\(table.name).\(columns)" : "\(table.name) (\(columns))"
                return Finding(rule: metadata.id, severity: metadata.severity,
                               message: "foreign key \(shown) has no index",
                               help: "create index concurrently on \(table.name) (\(columns))")
            }
        }
    }
}
