import SargableCore
import SargableLint
import SargableSyntax

public enum SetNotNull: SQLRule {
    public static let metadata = RuleMetadata(
        id: "set-not-null",
        title: "SET NOT NULL on an existing table",
        severity: .warning,
        category: .migration,
        rationale: """
        `ALTER COLUMN … SET NOT NULL` scans the whole table to check for NULLs while holding an ACCESS \
        EXCLUSIVE lock, blocking reads and writes for the duration of the scan.
        """,
        fix: """
        Add `CHECK (col IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it (no blocking lock), then \
        `SET NOT NULL`: since PostgreSQL 12 the validated check lets it skip the scan (so that sequence \
        is not reported); drop the check after.
        """,
        bad: [
            RuleExample("ALTER TABLE ↓users ALTER COLUMN name SET NOT NULL"),
            // Not validated yet: the check proves nothing about existing rows.
            RuleExample("ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE ↓users ALTER COLUMN name SET NOT NULL"),
        ],
        good: [
            RuleExample("ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID"),
            RuleExample("""
                ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;
                ALTER TABLE users VALIDATE CONSTRAINT users_name_not_null;
                ALTER TABLE users ALTER COLUMN name SET NOT NULL;
                ALTER TABLE users DROP CONSTRAINT users_name_not_null
                """),
            RuleExample("CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nALTER TABLE events ALTER COLUMN kind SET NOT NULL"),
        ])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        let checks = context.schema.table(alter.table)?.notNullChecks ?? []
        for (subtype, command) in alter.commands where subtype == .setNotNull {
            let column = command[.name]?.string ?? "?"
            // PostgreSQL 12+ takes a validated CHECK (column IS NOT NULL) as proof and skips the scan.
            if context.postgresVersion >= 12, checks.contains(where: { $0.isValidated && $0.columns.contains(column) }) { continue }
            context.report(alter.relation, FindingText(
                message: "set not null on \(alter.table).\(column) scans \(alter.table) under an access exclusive lock",
                help: "add check (\(column) is not null) not valid, validate it, then set not null"))
        }
    }
}
