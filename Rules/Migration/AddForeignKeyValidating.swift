import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum AddForeignKeyValidating: SQLRule {
    public static let metadata = RuleMetadata(
        id: "add-foreign-key-validating",
        title: "ADD FOREIGN KEY or CHECK without NOT VALID on an existing table",
        severity: .warning,
        category: .migration,
        rationale: """
        Adding a foreign key or CHECK constraint checks every existing row while holding a lock: a \
        foreign key takes SHARE ROW EXCLUSIVE on both tables (blocking writes), a CHECK takes ACCESS \
        EXCLUSIVE (blocking everything), for as long as the scan takes. `ADD COLUMN … REFERENCES` \
        adds a validating foreign key too (an inline constraint cannot be NOT VALID).
        """,
        fix: """
        Add it `NOT VALID` (instant; new rows are checked), then `ALTER TABLE … VALIDATE CONSTRAINT …` \
        in a later transaction, which only takes SHARE UPDATE EXCLUSIVE.
        """,
        bad: [
            RuleExample("ALTER TABLE orders ADD ↓CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"),
            RuleExample("ALTER TABLE orders ADD ↓CONSTRAINT orders_total_positive CHECK (total_cents >= 0)"),
            RuleExample("ALTER TABLE orders ADD COLUMN coupon_id bigint ↓REFERENCES coupons (id)"),
        ],
        good: [
            RuleExample("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk"),
            RuleExample("CREATE TABLE refunds (id bigint PRIMARY KEY, amount_cents int);\nALTER TABLE refunds ADD CONSTRAINT refunds_positive CHECK (amount_cents > 0)"),
        ])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .addConstraint || subtype == .addColumn {
            let added = subtype == .addConstraint ? command[.def].map { [$0] } ?? [] : command[.def, .constraints]?.elements ?? []
            for constraint in added where constraint[.skipValidation]?.bool != true {
                report(constraint, on: alter.table, inline: subtype == .addColumn, context)
            }
        }
    }

    private static func report(_ constraint: Node, on table: RelationName, inline: Bool, _ context: RuleContext) {
        let kind = constraint.as(Constraint.self)?.contype
        guard kind == .foreign || kind == .check else { return }
        let what = kind == .foreign ? "foreign key" : "check constraint"
        let lock = kind == .foreign ? "a share row exclusive" : "an access exclusive"
        context.report(constraint, FindingText(
            message: "adding \(what) \(constraint[.conname]?.string.map { "\($0) " } ?? "")on \(table) scans every row under \(lock) lock",
            help: inline ? "add the column alone, then add the constraint not valid and validate it in a separate transaction"
                : "add it not valid, then validate constraint in a separate transaction"))
    }
}
