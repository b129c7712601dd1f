import SargableCore
import SargableLint
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
        EXCLUSIVE (blocking everything), for as long as the scan takes.
        """,
        fix: """
        Add it `NOT VALID` (instant; new rows are checked), then `ALTER TABLE … VALIDATE CONSTRAINT …` \
        in a later transaction, which only takes SHARE UPDATE EXCLUSIVE.
        """,
        bad: [
            RuleExample("ALTER TABLE orders ADD ↓CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)"),
            RuleExample("ALTER TABLE orders ADD ↓CONSTRAINT orders_total_positive CHECK (total_cents >= 0)"),
        ],
        good: [
            RuleExample("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk"),
            RuleExample("CREATE TABLE refunds (id bigint PRIMARY KEY, amount_cents int);\nALTER TABLE refunds ADD CONSTRAINT refunds_positive CHECK (amount_cents > 0)"),
        ])

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .addConstraint {
            guard let constraint = command[.def], constraint[.skipValidation]?.bool != true else { continue }
            let kind = constraint.as(Constraint.self)?.contype
            guard kind == .foreign || kind == .check else { continue }
            let what = kind == .foreign ? "foreign key" : "check constraint"
            let lock = kind == .foreign ? "a share row exclusive" : "an access exclusive"
            context.report(constraint, FindingText(
                message: "adding \(what) \(constraint[.conname]?.string.map { "\($0) " } ?? "")on \(alter.table) scans every row under \(lock) lock",
                help: "add it not valid, then validate constraint in a separate transaction"))
        }
    }
}
