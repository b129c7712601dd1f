import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum MissingPrimaryKey: SQLRule {
    public static let metadata = RuleMetadata(
        id: "missing-primary-key",
        title: "Table without a primary key",
        severity: .warning,
        category: .schema,
        rationale: """
        Without a primary key rows cannot be addressed reliably: duplicates creep in, logical \
        replication cannot replicate UPDATE and DELETE, and ORMs and tools that need a row identity \
        break. Temporary tables and partitions (which inherit their parent's key) are not reported.
        """,
        fix: "Add one: `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or a natural key `PRIMARY KEY (order_id, product_id)`.",
        bad: [RuleExample("CREATE TABLE ↓audit_log (at timestamptz NOT NULL, message text)")],
        good: [
            RuleExample("CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message text)"),
            RuleExample("CREATE TABLE order_tags (order_id bigint, tag text, PRIMARY KEY (order_id, tag))"),
            RuleExample("CREATE TEMPORARY TABLE scratch (v int)"),
        ])

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard root.kind == .createStmt, let relation = root[.relation], let name = relation.relationName,
              relation[.relpersistence]?.string != "t", root[.partbound] == nil, root[.ofTypename] == nil,
              root[.inhRelations] == nil
        else { return }
        for element in root[.tableElts]?.elements ?? [] {
            let constraints = element.kind == .constraint ? [element] : (element[.constraints]?.elements ?? [])
            if constraints.contains(where: { $0.as(Constraint.self)?.contype == .primary }) { return }
            // LIKE … INCLUDING ALL / INCLUDING INDEXES may copy the key; the model cannot tell.
            if element.kind == .tableLikeClause { return }
        }
        context.report(relation, FindingText(message: "table \(name) has no primary key",
                                             help: "add id bigint generated always as identity primary key, or a natural primary key"))
    }
}
