import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum DuplicateIndex: SQLRule {
    public static let metadata = RuleMetadata(
        id: "duplicate-index",
        title: "Index that repeats an existing one",
        severity: .warning,
        category: .schema,
        rationale: """
        An index with the same method, keys and predicate as one the table already has (including the \
        primary key's and unique constraints' indexes) serves no query the other does not, yet every \
        write maintains both and both take memory and disk.
        """,
        fix: "Drop one of them (`DROP INDEX CONCURRENTLY …`), or do not create it.",
        bad: [
            RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);\n↓CREATE INDEX users_email_idx ON users (email)"),
            // The same predicate however it is spelt: expressions are compared by structure.
            RuleExample("""
                CREATE TABLE orders (id bigint PRIMARY KEY, status text, deleted_at timestamptz);
                CREATE INDEX orders_live_status_idx ON orders (status) WHERE deleted_at IS NULL;
                ↓CREATE INDEX orders_status_live_idx ON orders (status) WHERE ((deleted_at) is null)
                """),
        ],
        good: [
            RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);\nCREATE INDEX users_lower_email_idx ON users (lower(email))"),
            // Partial indexes on opposite predicates cover different rows.
            RuleExample("""
                CREATE TABLE posts (id bigint PRIMARY KEY, channelid bigint, deleteat bigint);
                CREATE INDEX idx_posts_live ON posts (channelid) WHERE deleteat IS NULL;
                CREATE INDEX idx_posts_deleted ON posts (channelid) WHERE deleteat IS NOT NULL
                """),
            RuleExample("""
                CREATE TABLE orders (id bigint PRIMARY KEY, status text, deleted_at timestamptz, archived_at timestamptz);
                CREATE INDEX orders_live_status_idx ON orders (status) WHERE deleted_at IS NULL;
                CREATE INDEX orders_kept_status_idx ON orders (status) WHERE archived_at IS NULL
                """),
            RuleExample("""
                CREATE TABLE users (id bigint PRIMARY KEY, email text);
                CREATE INDEX users_without_email_idx ON users ((email IS NULL));
                CREATE INDEX users_with_email_idx ON users ((email IS NOT NULL))
                """),
        ])

    public static let statementKinds: [NodeKind]? = [.indexStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard let tableName = root[.relation]?.relationName,
              let table = context.schema.table(tableName) else { return }
        let elements = root[.indexParams]?.elements ?? []
        // The model records no collation or sort order: such an index may differ, so say nothing.
        // INCLUDE columns are not in the model either.
        guard !elements.contains(where: { $0[.collation] != nil || ($0.as(IndexElem.self)?.ordering ?? .default) != .default }),
              root[.indexIncludingParams] == nil
        else { return }
        let keys: [IndexKey] = elements.map { element in
            element[.name]?.string.map(IndexKey.column) ?? .expression(element[.expr].map(ExpressionIdentity.expression) ?? "?")
        }
        let operatorClasses = elements.map { $0[.opclass]?.stringValues.last }
        let method = root[.accessMethod]?.string ?? "btree"
        let predicate = root[.whereClause].map(ExpressionIdentity.expression)
        let name = root[.idxname]?.string
        guard let existing = context.existingIndex(on: table, method: method, keys: keys, operatorClasses: operatorClasses,
                                                   predicate: predicate) else { return }
        // CREATE INDEX IF NOT EXISTS with the existing index's name does nothing.
        if root[.ifNotExists]?.bool == true, existing.name == name { return }
        context.reportAtStatement(FindingText(
            message: "index on \(tableName) (\(keys.map(\.description).joined(separator: ", "))) repeats \(existing.name)",
            help: "drop the statement; \(existing.name) already serves these keys"))
    }
}
