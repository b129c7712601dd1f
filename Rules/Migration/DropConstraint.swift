import SargableCore
import SargableLint
import SargableSyntax

public enum DropConstraint: SQLRule {
    public static let metadata = RuleMetadata(
        id: "drop-constraint",
        title: "Dropping a constraint of an existing table",
        severity: .info,
        category: .migration,
        rationale: """
        Once a constraint is gone the data it guarded can go wrong (duplicates, orphans, invalid \
        values), and putting it back later means validating every row. Dropping a primary key or \
        unique constraint also drops its index, so queries that used it get slower, and foreign keys \
        that reference it must go first.
        """,
        fix: "Make sure nothing relies on it (queries on its index, foreign keys, the application's error handling), or replace it in the same migration.",
        bad: [RuleExample("ALTER TABLE orders DROP CONSTRAINT ↓orders_total_positive")],
        good: [RuleExample("CREATE TABLE scratch (id bigint, CONSTRAINT scratch_id_positive CHECK (id > 0));\nALTER TABLE scratch DROP CONSTRAINT scratch_id_positive")])

    public static let statementKinds: [NodeKind]? = [.alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard let alter = context.alterCommandsOnExistingTable() else { return }
        for (subtype, command) in alter.commands where subtype == .dropConstraint {
            let name = command[.name]?.string ?? "?"
            // The command has no location: the caret goes under the constraint's name.
            let offset = DropColumn.columnNameOffset(name, in: context) ?? context.startOffset(of: alter.relation)
            context.report(byteOffset: offset, FindingText(
                message: "dropping constraint \(name) of \(alter.table) stops guarding its data",
                help: "check nothing relies on \(name) (its index, foreign keys, error handling), or replace it"))
        }
    }
}
