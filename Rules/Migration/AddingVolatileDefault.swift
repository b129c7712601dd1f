import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum AddingVolatileDefault: SQLRule {
    public static let metadata = RuleMetadata(
        id: "adding-volatile-default",
        title: "ADD COLUMN with a default that rewrites the table",
        severity: .warning,
        category: .migration,
        rationale: """
        Since PostgreSQL 11 a constant or stable default (`0`, `'eu'`, `now()`) is stored once in the \
        catalog and ADD COLUMN is instant. A volatile default (`random()`, `gen_random_uuid()`, \
        `clock_timestamp()`) must be computed per row, so the table is rewritten under an ACCESS \
        EXCLUSIVE lock; before PostgreSQL 11 (`postgres-version` in the configuration) every default does.
        """,
        fix: "Add the column without the default, set the default for new rows, and backfill existing rows in batches.",
        bad: [RuleExample("ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT ↓gen_random_uuid()")],
        good: [
            RuleExample("ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu'"),
            RuleExample("ALTER TABLE orders ADD COLUMN imported_at timestamptz DEFAULT now()"),
        ])

    static let volatileFunctions: Set<String> = [
        "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v4", "clock_timestamp",
        "timeofday", "nextval", "setseed", "txid_current",
    ]

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .addColumn {
            guard let definition = command[.def], let column = definition[.colname]?.string,
                  let defaultValue = (definition[.constraints]?.elements ?? [])
                      .first(where: { $0.as(Constraint.self)?.contype == .default })?[.rawExpr] else { continue }
            let volatile = defaultValue.descendants(ofKind: .funcCall).first { volatileFunctions.contains($0.functionName ?? "") }
            if let volatile {
                context.report(volatile, FindingText(
                    message: "default \(ExpressionText.of(volatile)) for \(alter.table).\(column) is volatile: adding the column rewrites \(alter.table)",
                    help: "add the column without a default, set the default, then backfill in batches"))
            } else if context.postgresVersion < 11 {
                context.report(defaultValue, FindingText(
                    message: "before postgresql 11, adding \(alter.table).\(column) with a default rewrites \(alter.table)",
                    help: "add the column without a default, set the default, then backfill in batches"))
            }
        }
    }
}
