import SargableCore
import SargableLint
import SargableSchema

public enum InvalidIndex: DatabaseRule {
    public static let metadata = RuleMetadata(
        id: "invalid-index",
        title: "Invalid index left by a failed CREATE INDEX CONCURRENTLY",
        severity: .error,
        category: .database,
        rationale: """
        When CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY fails (a deadlock, a unique violation, \
        a cancelled statement) the index stays behind marked invalid: queries never use it, but every \
        write still maintains it. A unique one still rejects duplicates.
        """,
        fix: "Drop it concurrently and create it again (or REINDEX INDEX CONCURRENTLY).",
        bad: [RuleExample("""
            CREATE TABLE users (id bigint PRIMARY KEY, email text);
            INSERT INTO users VALUES (1, 'ann@example.com'), (2, 'ann@example.com');
            -- fails with a unique violation and stays behind: pg_index.indisvalid = false
            ↓CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
            """)],
        good: [RuleExample("""
            CREATE TABLE users (id bigint PRIMARY KEY, email text);
            INSERT INTO users VALUES (1, 'ann@example.com'), (2, 'ann@example.com');
            CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
            -- after the failure: remove the duplicates, drop the invalid index, build it again
            DELETE FROM users WHERE id = 2;
            DROP INDEX CONCURRENTLY users_email_key;
            CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
            """)]
    )

    public static func check(_ schema: SchemaModel) -> [DatabaseFinding] {
        schema.sortedTables.flatMap { table in
            table.indexes.filter { !$0.isValid }.map { index in
                finding(about: index,
                        message: "index \(index.described) on \(table.name) is invalid: queries cannot use it but writes still maintain it",
                        help: "drop index concurrently \(index.name), then create it again")
            }
        }
    }
}
