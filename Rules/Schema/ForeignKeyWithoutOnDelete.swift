import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum ForeignKeyWithoutOnDelete: SQLRule {
    public static let metadata = RuleMetadata(
        id: "foreign-key-without-on-delete",
        title: "Foreign key without an ON DELETE action",
        severity: .info,
        category: .schema,
        rationale: """
        Without ON DELETE the default NO ACTION applies: deleting a parent with children fails. That \
        may be what you want, but the schema should say so, because the choice (CASCADE, SET NULL, \
        RESTRICT) decides what a delete does to the data. An explicit `ON DELETE NO ACTION` reads the \
        same as none in the parse tree, so say RESTRICT to make the intent visible.
        """,
        fix: "State the action: `REFERENCES users (id) ON DELETE CASCADE` (or `SET NULL`, or `RESTRICT`).",
        bad: [RuleExample("CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint ↓REFERENCES users (id))")],
        good: [RuleExample("CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id) ON DELETE RESTRICT)")])

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        for foreignKey in ForeignKeyDefinition.all(in: context.root) {
            let action = foreignKey.constraint[.fkDelAction]?.string
            guard action == nil || action == "a" else { continue }
            context.report(foreignKey.constraint, FindingText(
                message: "foreign key \(foreignKey.table).\(foreignKey.columns.joined(separator: ", ")) → \(foreignKey.referencedTable) does not say what happens on delete",
                help: "add on delete cascade, set null or restrict"))
        }
    }
}
