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
        `SET NOT NULL`: since PostgreSQL 12 the validated check lets it skip the scan; drop the check after.
        """,
        bad: [RuleExample("ALTER TABLE ↓users ALTER COLUMN name SET NOT NULL")],
        good: [
            RuleExample("ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID"),
            RuleExample("CREATE TABLE events (id bigint PRIMARY KEY, kind text);\nALTER TABLE events ALTER COLUMN kind SET NOT NULL"),
        ])

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .setNotNull {
            let column = command[.name]?.string ?? "?"
            context.report(alter.relation, FindingText(
                message: "set not null on \(alter.table).\(column) scans \(alter.table) under an access exclusive lock",
                help: "add check (\(column) is not null) not valid, validate it, then set not null"))
        }
    }
}
