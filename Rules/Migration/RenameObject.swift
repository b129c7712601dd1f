import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum RenameObject: SQLRule {
    public static let metadata = RuleMetadata(
        id: "rename-object",
        title: "Renaming a view, sequence, schema, type, function or other object",
        severity: .warning,
        category: .migration,
        rationale: """
        Code and other objects of the running release name views, sequences, schemas, types, \
        functions, constraints and triggers; they fail from the moment the rename commits. Tables \
        and columns have rules of their own (rename-table, rename-column); indexes are not reported \
        (only DDL names them). Constraints and triggers of a table created earlier in the file are not reported.
        """,
        fix: "Create the object under the new name beside the old one (a view, a wrapper function), move the code over, then drop the old name.",
        bad: [
            RuleExample("ALTER VIEW ↓active_users RENAME TO current_users"),
            RuleExample("↓ALTER SCHEMA reporting RENAME TO analytics"),
            RuleExample("↓ALTER FUNCTION order_total(bigint) RENAME TO order_total_cents"),
        ],
        good: [
            RuleExample("ALTER INDEX orders_status_idx RENAME TO orders_status_key"),
            RuleExample("CREATE TABLE scratch (id bigint CONSTRAINT scratch_id_check CHECK (id > 0));\nALTER TABLE scratch RENAME CONSTRAINT scratch_id_check TO scratch_id_positive"),
        ])

    /// What each renamed object is called in messages; kinds not listed are not reported.
    static let kinds: [ObjectType: String] = [
        .view: "view", .matview: "materialized view", .sequence: "sequence", .foreignTable: "foreign table",
        .schema: "schema", .type: "type", .domain: "domain", .function: "function", .procedure: "procedure",
        .routine: "routine", .aggregate: "aggregate", .tabconstraint: "constraint", .domconstraint: "constraint",
        .trigger: "trigger", .policy: "policy", .attribute: "attribute", .collation: "collation",
        .database: "database", .role: "role", .publication: "publication", .subscription: "subscription",
    ]

    public static let statementKinds: [NodeKind]? = [.renameStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard let type = root.as(RenameStmt.self)?.renameType, let kind = kinds[type] else { return }
        let relation = root[.relation]
        if let name = relation?.relationName, context.isNewTable(name) { return }
        let newName = root[.newname]?.string ?? "?"
        // A constraint, trigger or policy is named with its table; a function by ObjectWithArgs.
        var old = root[.subname]?.string ?? relation?.relationName?.description
            ?? root[.object, .objname]?.stringValues.last ?? root[.object, .items]?.stringValues.last ?? root[.object, .sval]?.string
        if root[.subname] != nil, let table = relation?.relationName { old = old.map { "\($0) of \(table)" } }
        let text = FindingText(message: "renaming \(kind) \(old.map { "\($0) " } ?? "")to \(newName) breaks code that still uses the old name",
                               help: "create it under the new name beside the old one, move the code over, then drop the old name")
        if let relation { context.report(relation, text) } else { context.reportAtStatement(text) }
    }
}
