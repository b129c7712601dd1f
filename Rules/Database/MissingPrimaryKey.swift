import SargableCore
import SargableSchema

public enum MissingPrimaryKey: DatabaseRule {
    public static let metadata = RuleMetadata(
        id: "missing-primary-key",
        title: "Table without a primary key",
        severity: .warning,
        category: .database,
        rationale: """
        Without a primary key a row cannot be addressed reliably: duplicates creep in, logical \
        replication cannot replicate UPDATE and DELETE (no replica identity), and tools such as \
        pg_repack refuse the table.
        """,
        fix: "Add a primary key (an identity column when no natural key exists).",
        bad: [RuleExample("↓CREATE TABLE events (occurred_at timestamptz NOT NULL, payload jsonb);")],
        good: [RuleExample("CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, occurred_at timestamptz NOT NULL, payload jsonb);")]
    )

    public static func check(_ schema: SchemaModel) -> [Finding] {
        schema.sortedTables.filter { $0.primaryKey == nil }.map { table in
            Finding(rule: metadata.id, severity: metadata.severity,
                    message: "table \(table.name) has no primary key",
                    help: "alter table \(table.name) add primary key (…), or add an identity column")
        }
    }
}
