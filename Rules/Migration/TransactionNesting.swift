import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum TransactionNesting: SQLRule {
    public static let metadata = RuleMetadata(
        id: "transaction-nesting",
        title: "BEGIN inside an open transaction, or COMMIT of the tool's transaction",
        severity: .warning,
        category: .migration,
        rationale: """
        PostgreSQL has no nested transactions: a BEGIN inside an open one only warns, and the first \
        COMMIT ends the outer transaction, so what follows runs outside it and a later failure can no \
        longer roll the whole migration back. When the migration tool runs each file in a transaction \
        (`migrations: {transaction: per-file}`), the file's own BEGIN is the nested one and its COMMIT \
        ends the tool's transaction early. `COMMIT AND CHAIN` keeps a transaction open.
        """,
        fix: "Let one party own the transaction: drop the file's BEGIN/COMMIT, or make the migration non-transactional in the tool; use SAVEPOINT for a nested unit.",
        bad: [
            RuleExample("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n↓BEGIN;\nUPDATE orders SET note = '' WHERE id < 1000;\nCOMMIT"),
            RuleExample("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT AND CHAIN;\n↓START TRANSACTION;\nCOMMIT"),
        ],
        good: [
            RuleExample("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nBEGIN;\nUPDATE orders SET note = '' WHERE id < 1000;\nCOMMIT"),
            RuleExample("BEGIN;\nSAVEPOINT before_backfill;\nUPDATE orders SET note = '' WHERE id < 1000;\nRELEASE SAVEPOINT before_backfill;\nCOMMIT"),
        ])

    public static let statementKinds: [NodeKind]? = [.transactionStmt]

    public static func check(_ context: RuleContext) {
        guard let kind = context.root.as(TransactionStmt.self)?.kind else { return }
        let session = context.session
        switch kind {
        case .begin, .start:
            guard session.inTransaction else { return }
            let outer = session.inToolTransaction ? "the migration tool already runs this file in a transaction" : "a transaction is already open"
            context.reportAtStatement(FindingText(
                message: "\(outer): this begin nests nothing, and the first commit ends the outer transaction",
                help: "remove the inner begin, or use savepoint for a nested unit"))
        case .commit, .rollback:
            guard session.inToolTransaction else { return }
            context.reportAtStatement(FindingText(
                message: "this \(kind == .commit ? "commit" : "rollback") ends the transaction the migration tool runs the file in: what follows runs outside it",
                help: "let the migration tool commit, or make the migration non-transactional"))
        default:
            return
        }
    }
}
