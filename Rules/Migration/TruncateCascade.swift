import SargableCore
import SargableLint
import SargableSyntax

public enum TruncateCascade: SQLRule {
    public static let metadata = RuleMetadata(
        id: "truncate-cascade",
        title: "TRUNCATE … CASCADE",
        severity: .warning,
        category: .migration,
        rationale: """
        CASCADE also empties every table with a foreign key to the truncated ones, and the tables \
        that reference those, however far the chain goes: tables the statement never names lose \
        all their rows.
        """,
        fix: "Name every table to empty in the TRUNCATE (it fails, telling you which, when one is missing), or delete the rows you mean to.",
        bad: [RuleExample("↓TRUNCATE users CASCADE")],
        good: [RuleExample("TRUNCATE users, orders, order_items")])

    public static let statementKinds: [NodeKind]? = [.truncateStmt]

    public static func check(_ context: RuleContext) {
        guard context.root.as(TruncateStmt.self)?.behavior == .cascade else { return }
        let names = (context.root[.relations]?.elements ?? []).compactMap(\.relationName).map(\.description).joined(separator: ", ")
        context.reportAtStatement(FindingText(
            message: "truncate \(names) cascade also empties every table that references them",
            help: "name each table to empty instead of cascade"))
    }
}
