import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum RenameTable: SQLRule {
    public static let metadata = RuleMetadata(
        id: "rename-table",
        title: "Renaming a table",
        severity: .warning,
        category: .migration,
        rationale: """
        Every query of the running release names the table; they fail from the moment the rename \
        commits until every server runs the new code.
        """,
        fix: "Create the new table (or a view with the new name over the old table), migrate readers and writers, then drop the old name.",
        bad: [RuleExample("ALTER TABLE ↓orders RENAME TO purchases")],
        good: [RuleExample("CREATE VIEW purchases AS SELECT id, user_id, status, total_cents, created_at FROM orders")])

    public static let statementKinds: [NodeKind]? = [.renameStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard root.as(RenameStmt.self)?.renameType == .table,
              let relation = root[.relation], let table = relation.relationName, !context.isNewTable(table) else { return }
        context.report(relation, FindingText(message: "renaming \(table) to \(root[.newname]?.string ?? "?") breaks code that still uses \(table)",
                                             help: "expose the new name as a view first, move the code over, then rename"))
    }
}
