import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum AddingGeneratedColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "adding-generated-column",
        title: "ADD COLUMN of a serial, identity or stored generated column",
        severity: .warning,
        category: .migration,
        rationale: """
        A `serial`/`bigserial` column (its default is `nextval`), a `GENERATED … AS IDENTITY` column \
        and a `GENERATED ALWAYS AS (…) STORED` column need a value computed for every existing row, \
        so adding one rewrites the whole table under an ACCESS EXCLUSIVE lock. Tables created \
        earlier in the file are not reported.
        """,
        fix: """
        Add a plain nullable column, backfill it in batches (from a sequence, or the expression), \
        then attach the default or identity; or compute the value at read time in a view.
        """,
        bad: [
            RuleExample("ALTER TABLE events ADD COLUMN seq ↓bigserial"),
            RuleExample("ALTER TABLE events ADD COLUMN seq bigint ↓GENERATED ALWAYS AS IDENTITY"),
            RuleExample("ALTER TABLE orders ADD COLUMN total_cents bigint ↓GENERATED ALWAYS AS (quantity * price_cents) STORED"),
        ],
        good: [
            RuleExample("ALTER TABLE events ADD COLUMN seq bigint"),
            RuleExample("CREATE TABLE events (kind text);\nALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY"),
        ])

    static let serialTypes: Set<String> = ["serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"]

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .addColumn {
            guard let definition = command[.def], let column = definition[.colname]?.string else { continue }
            let node: Node?, what: String
            if let typeName = definition[.typeName], serialTypes.contains(TypeText.of(typeName)) {
                (node, what) = (typeName, "a \(TypeText.of(typeName)) column")
            } else if let constraint = (definition[.constraints]?.elements ?? []).first(where: {
                [.identity, .generated].contains($0.as(Constraint.self)?.contype)
            }) {
                (node, what) = (constraint, constraint.as(Constraint.self)?.contype == .identity ? "an identity column" : "a stored generated column")
            } else {
                continue
            }
            guard let node else { continue }
            context.report(node, FindingText(
                message: "adding \(alter.table).\(column) as \(what) rewrites \(alter.table) under an access exclusive lock",
                help: "add a plain nullable column, backfill it in batches, then attach the default or identity"))
        }
    }
}
