import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum EnumValueInTransaction: SQLRule {
    public static let metadata = RuleMetadata(
        id: "enum-value-in-transaction",
        title: "New enum value used in the transaction that adds it",
        severity: .error,
        category: .migration,
        rationale: """
        Before PostgreSQL 12, `ALTER TYPE … ADD VALUE` cannot run inside a transaction block at all. \
        From 12 on it can, but the new value cannot be used until the transaction commits \
        (`unsafe use of new value`): a migration that adds a value and then writes or compares it in \
        the same transaction fails. The transaction is a BEGIN in the file, or the migration tool's \
        (`migrations: {transaction: per-file}`).
        """,
        fix: "Add the value in a migration of its own (or COMMIT after it), and use it in the next one.",
        bad: [
            RuleExample("BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = ↓'refunded' WHERE refunded_at IS NOT NULL;\nCOMMIT"),
        ],
        good: [
            RuleExample("BEGIN;\nALTER TYPE order_status ADD VALUE 'refunded';\nCOMMIT;\nUPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL"),
            RuleExample("ALTER TYPE order_status ADD VALUE 'refunded'"),
        ])

    public static func check(_ context: RuleContext) {
        let session = context.session
        if context.root.kind == .alterEnumStmt, session.inTransaction, context.postgresVersion < 12 {
            context.reportAtStatement(FindingText(
                message: "before postgresql 12, alter type … add value cannot run inside a transaction block: the migration fails",
                help: "run it in a migration of its own, outside a transaction"))
            return
        }
        // Before 12 the ADD VALUE itself failed: that is the finding, not the uses after it.
        guard context.postgresVersion >= 12, !session.enumValuesAddedInTransaction.isEmpty else { return }
        for constant in context.nodes(.aConst) {
            guard let value = constant[.sval, .sval]?.string, session.enumValuesAddedInTransaction.contains(value) else { continue }
            context.report(constant, FindingText(
                message: "enum value '\(value)' was added in this transaction: postgresql refuses to use it before the transaction commits",
                help: "commit after alter type … add value, and use the value in the next migration"))
        }
    }
}
