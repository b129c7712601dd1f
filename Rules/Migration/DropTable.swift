import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum DropTable: SQLRule {
    public static let metadata = RuleMetadata(
        id: "drop-table",
        title: "Dropping an existing table",
        severity: .warning,
        category: .migration,
        rationale: """
        DROP TABLE deletes the data for good, and code of the running release that still reads or \
        writes the table fails from the moment it commits. A table created earlier in the same file \
        (a scratch table) is not reported.
        """,
        fix: "Stop using the table in a release first (rename it aside, or revoke access and watch for errors), take a backup, then drop it in a later migration.",
        bad: [RuleExample("↓DROP TABLE legacy_sessions")],
        good: [RuleExample("CREATE TABLE scratch (id bigint PRIMARY KEY);\nDROP TABLE scratch")])

    public static let statementKinds: [NodeKind]? = [.dropStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard root.as(DropStmt.self)?.removeType == .table else { return }
        let existing = SchemaReplay.droppedNames(root).filter { !context.isNewTable($0) }
        guard !existing.isEmpty else { return }
        context.reportAtStatement(FindingText(
            message: "dropping \(existing.map(\.description).joined(separator: ", ")) deletes its data and breaks code that still uses it",
            help: "release code that no longer uses the table first, back it up, then drop it"))
    }
}
