import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum ConcurrentlyInTransaction: SQLRule {
    public static let metadata = RuleMetadata(
        id: "concurrently-in-transaction",
        title: "CONCURRENTLY inside a transaction block",
        severity: .error,
        category: .migration,
        rationale: """
        CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX … CONCURRENTLY and DETACH \
        PARTITION … CONCURRENTLY wait for other transactions between their phases, so PostgreSQL \
        refuses to run them inside a transaction block: the migration fails. The block is a BEGIN \
        earlier in the file, or the migration tool's own when it runs each file in one \
        (`migrations: {transaction: per-file}` in the configuration: Flyway, Rails, Django, \
        golang-migrate with `x-multi-statement`).
        """,
        fix: """
        Put the statement in a migration of its own that runs outside a transaction (commit first, \
        or mark the migration non-transactional in the tool).
        """,
        bad: [
            RuleExample("BEGIN;\n↓CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\nCOMMIT"),
            RuleExample("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n↓DROP INDEX CONCURRENTLY orders_old_idx;\nCOMMIT"),
        ],
        good: [
            RuleExample("CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status)"),
            RuleExample("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note)"),
        ])

    /// The statement's CONCURRENTLY form, or nil when it has none.
    static func concurrentOperation(_ root: Node) -> String? {
        switch root.kind {
        case .indexStmt where root[.concurrent]?.bool == true: return "create index concurrently"
        case .dropStmt where root[.concurrent]?.bool == true: return "drop index concurrently"
        case .reindexStmt where (root[.params]?.elements ?? []).contains { $0[.defname]?.string == "concurrently" }:
            return "reindex concurrently"
        case .alterTableStmt:
            let detach = (root[.cmds]?.elements ?? []).contains { command in
                command.as(AlterTableCmd.self)?.subtype == .detachPartition && command[.def, .concurrent]?.bool == true
            }
            return detach ? "detach partition concurrently" : nil
        default: return nil
        }
    }

    public static let statementKinds: [NodeKind]? = [.indexStmt, .dropStmt, .reindexStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard context.session.inTransaction, let operation = concurrentOperation(context.root) else { return }
        let block = context.session.inToolTransaction ? "the transaction the migration tool runs each file in" : "a transaction block"
        context.reportAtStatement(FindingText(
            message: "\(operation) cannot run inside \(block): the migration fails",
            help: "move it to a migration of its own that runs outside a transaction"))
    }
}
