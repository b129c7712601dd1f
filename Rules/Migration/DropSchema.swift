import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum DropSchema: SQLRule {
    public static let metadata = RuleMetadata(
        id: "drop-schema",
        title: "DROP SCHEMA in a migration",
        severity: .warning,
        category: .migration,
        rationale: """
        Dropping a schema fails while it holds objects, unless CASCADE, which deletes every table, \
        view and function in it without naming them.
        """,
        fix: "Drop the objects one by one (each reviewed), then the empty schema without CASCADE.",
        bad: [RuleExample("↓DROP SCHEMA reporting CASCADE")],
        good: [RuleExample("CREATE SCHEMA reporting")])

    public static let statementKinds: [NodeKind]? = [.dropStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard root.as(DropStmt.self)?.removeType == .schema else { return }
        let names = (root[.objects]?.elements ?? []).compactMap { $0[.sval]?.string ?? $0.string }.joined(separator: ", ")
        let cascade = root.as(DropStmt.self)?.behavior == .cascade
        context.reportAtStatement(FindingText(
            message: "dropping schema \(names)\(cascade ? " with cascade deletes every object in it" : " deletes it for good")",
            help: "drop its objects one by one, then the empty schema without cascade"))
    }
}
