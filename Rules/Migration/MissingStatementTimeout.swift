import SargableCore
import SargableLint
import SargableSyntax

public enum MissingStatementTimeout: SQLRule {
    public static let metadata = RuleMetadata(
        id: "missing-statement-timeout",
        title: "Locking DDL on an existing table without statement_timeout",
        severity: .warning,
        category: .migration,
        rationale: """
        A statement that holds a lock on a busy table while it scans or rewrites it (ALTER TABLE, a \
        plain CREATE INDEX, DROP, TRUNCATE) blocks the application for as long as it runs; \
        `statement_timeout` bounds that, and the migration fails instead of the site. Off by default: \
        many teams set it on the migration tool's connection instead. Reported once per file.
        """,
        fix: "Start the migration with `SET statement_timeout = '30s';` (beside `SET lock_timeout`), sized to what the table can bear.",
        bad: [RuleExample("SET lock_timeout = '2s';\n↓CREATE INDEX orders_status_idx ON orders (status)")],
        good: [RuleExample("SET lock_timeout = '2s';\nSET statement_timeout = '30s';\nALTER TABLE orders ADD COLUMN note text")],
        isEnabledByDefault: false)

    public static let statementKinds: [NodeKind]? = [.alterTableStmt, .dropStmt, .truncateStmt, .renameStmt, .indexStmt]

    public static func check(_ context: RuleContext) {
        guard !context.session.hasStatementTimeout else { return }
        let root = context.root
        let table: String
        if let locked = MissingLockTimeout.lockedTable(context) {
            table = locked.description
        } else if root.kind == .indexStmt, root[.concurrent]?.bool != true, let name = root[.relation]?.relationName, !context.isNewTable(name) {
            table = name.description
        } else {
            return
        }
        context.reportOncePerFile(FindingText(
            message: "this statement locks \(table) with no statement_timeout set: nothing bounds how long it blocks \(table) (nor later statements of the file)",
            help: "set statement_timeout at the start of the migration"))
    }
}
