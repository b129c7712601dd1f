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
        bad: [RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);\n↓CREATE INDEX users_email_idx ON users (email)")],
        good: [RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE);\nCREATE INDEX users_lower_email_idx ON users (lower(email))")])

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard root.kind == .indexStmt, let tableName = root[.relation]?.relationName,
              let table = context.schema.table(tableName) else { return }
        let keys: [IndexKey] = (root[.indexParams]?.elements ?? []).map { element in
            element[.name]?.string.map(IndexKey.column) ?? .expression(element[.expr].map(ExpressionText.of) ?? "?")
        }
        let method = root[.accessMethod]?.string ?? "btree"
        let predicate = root[.whereClause].map(ExpressionText.of)
        guard let existing = table.indexes.first(where: { $0.keys == keys && $0.method == method && $0.predicate == predicate })
        else { return }
        context.reportAtStatement(FindingText(
            message: "index on \(tableName) (\(keys.map(\.description).joined(separator: ", "))) repeats \(existing.name)",
            help: "drop the statement; \(existing.name) already serves these keys"))
    }
}
