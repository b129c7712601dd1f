import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum AddingRequiredColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "adding-required-column",
        title: "ADD COLUMN … NOT NULL without a default",
        severity: .error,
        category: .migration,
        rationale: """
        Existing rows have no value for the new column, so `ADD COLUMN … NOT NULL` without a default \
        fails on any table that has rows, after taking an ACCESS EXCLUSIVE lock; and application code \
        deployed before the migration cannot insert rows without the new column.
        """,
        fix: """
        Add it with a default (`ADD COLUMN region text NOT NULL DEFAULT 'eu'`, instant since \
        PostgreSQL 11 for non-volatile defaults), or add it nullable, backfill, then set NOT NULL.
        """,
        bad: [RuleExample("ALTER TABLE users ADD COLUMN ↓region text NOT NULL")],
        good: [
            RuleExample("ALTER TABLE users ADD COLUMN region text NOT NULL DEFAULT 'eu'"),
            RuleExample("ALTER TABLE users ADD COLUMN region text"),
            RuleExample("ALTER TABLE users ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY"),
        ])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .addColumn {
            guard let definition = command[.def], let column = definition[.colname]?.string else { continue }
            let kinds = Set((definition[.constraints]?.elements ?? []).compactMap { $0.as(Constraint.self)?.contype })
            let required = kinds.contains(.notnull) || kinds.contains(.primary)
            let filled = !kinds.isDisjoint(with: [.default, .identity, .generated])
            let type = definition[.typeName].map(TypeText.of) ?? ""
            guard required, !filled, !type.hasSuffix("serial") else { continue }
            context.report(definition, FindingText(
                message: "adding \(alter.table).\(column) as not null without a default fails when \(alter.table) has rows",
                help: "add it with a default, or add it nullable, backfill in batches, then set not null"))
        }
    }
}
