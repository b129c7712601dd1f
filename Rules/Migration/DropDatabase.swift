import SargableCore
import SargableLint
import SargableSyntax

public enum DropDatabase: SQLRule {
    public static let metadata = RuleMetadata(
        id: "drop-database",
        title: "DROP DATABASE in a migration",
        severity: .error,
        category: .migration,
        rationale: "A migration that drops a database deletes every table in it, at once and for good; it is almost never what a migration should do.",
        fix: "Drop databases by hand, after a backup, outside the migration history.",
        bad: [RuleExample("↓DROP DATABASE analytics")],
        good: [RuleExample("CREATE DATABASE analytics")])

    public static let statementKinds: [NodeKind]? = [.dropdbStmt]

    public static func check(_ context: RuleContext) {
        context.reportAtStatement(FindingText(
            message: "dropping database \(context.root[.dbname]?.string ?? "?") deletes every table in it",
            help: "drop it by hand after a backup, not in a migration"))
    }
}
