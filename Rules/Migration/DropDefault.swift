import SargableCore
import SargableLint
import SargableSyntax

public enum DropDefault: SQLRule {
    public static let metadata = RuleMetadata(
        id: "drop-default",
        title: "Dropping a column's default",
        severity: .warning,
        category: .migration,
        rationale: """
        Code of the running release that inserts without naming the column relied on the default: \
        after `DROP DEFAULT` those rows get NULL, or fail when the column is NOT NULL.
        """,
        fix: "Release code that always sets the column first, then drop the default.",
        bad: [RuleExample("ALTER TABLE ↓orders ALTER COLUMN status DROP DEFAULT")],
        good: [
            RuleExample("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new'"),
            RuleExample("CREATE TABLE events (id bigint PRIMARY KEY, kind text DEFAULT 'x');\nALTER TABLE events ALTER COLUMN kind DROP DEFAULT"),
        ])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .columnDefault && command[.def] == nil {
            let column = command[.name]?.string ?? "?"
            context.report(alter.relation, FindingText(
                message: "dropping the default of \(alter.table).\(column) breaks inserts of the running release that leave it out",
                help: "release code that always sets \(column) first, then drop the default"))
        }
    }
}
