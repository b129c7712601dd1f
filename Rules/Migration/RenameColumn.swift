import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum RenameColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "rename-column",
        title: "Renaming a column",
        severity: .warning,
        category: .migration,
        rationale: """
        Application servers still running the previous release query the old name and fail from the \
        moment the migration commits until every server runs the new code.
        """,
        fix: "Expand–contract: add the new column, write both, backfill, switch reads, and drop the old column in a later release.",
        bad: [RuleExample("ALTER TABLE ↓users RENAME COLUMN name TO full_name")],
        good: [RuleExample("ALTER TABLE users ADD COLUMN full_name text")])

    public static let statementKinds: [NodeKind]? = [.renameStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard root.as(RenameStmt.self)?.renameType == .column,
              let relation = root[.relation], let table = relation.relationName, !context.isNewTable(table) else { return }
        let old = root[.subname]?.string ?? "?", new = root[.newname]?.string ?? "?"
        context.report(relation, FindingText(message: "renaming \(table).\(old) to \(new) breaks code that still uses \(old)",
                                             help: "add \(new), write both, backfill, then drop \(old) in a later release"))
    }
}
