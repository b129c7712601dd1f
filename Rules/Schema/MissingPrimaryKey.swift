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
        break. Decided after replaying every file, so a key added later (`ALTER TABLE ONLY t ADD \
        CONSTRAINT t_pkey PRIMARY KEY (id)`, the shape `pg_dump` writes, or one added inside a DO block) \
        counts; tables dropped by then are not reported. Temporary tables and partitions (which inherit \
        their parent's key) are not reported either.
        """,
        fix: "Add one: `id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`, or a natural key `PRIMARY KEY (order_id, product_id)`.",
        bad: [RuleExample("CREATE TABLE ↓audit_log (at timestamptz NOT NULL, message text)")],
        good: [
            RuleExample("CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, message text)"),
            RuleExample("CREATE TABLE order_tags (order_id bigint, tag text, PRIMARY KEY (order_id, tag))"),
            RuleExample("CREATE TEMPORARY TABLE scratch (v int)"),
            RuleExample("CREATE TABLE teams (id varchar(26) NOT NULL, name text);\nALTER TABLE ONLY teams ADD CONSTRAINT teams_pkey PRIMARY KEY (id)"),
        ])

    public static let statementKinds: [NodeKind]? = [.createStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard let relation = root[.relation], let name = relation.relationName,
              relation[.relpersistence]?.string != "t", root[.partbound] == nil, root[.ofTypename] == nil,
              root[.inhRelations] == nil
        else { return }
        for element in root[.tableElts]?.elements ?? [] {
            let constraints = element.kind == .constraint ? [element] : (element[.constraints]?.elements ?? [])
            if constraints.contains(where: { $0.as(Constraint.self)?.contype == .primary }) { return }
            // LIKE … INCLUDING ALL / INCLUDING INDEXES may copy the key; the model cannot tell.
            if element.kind == .tableLikeClause { return }
        }
        // An existing table is not replaced by CREATE TABLE IF NOT EXISTS: it may have a key the model never saw.
        let mayExist = root[.ifNotExists]?.bool == true
            ? " (created with if not exists: a table of that name that already exists may have one)" : ""
        context.reportAfterReplay(relation) { schema in
            guard let table = schema.currentTable(formerlyNamed: name), table.primaryKey == nil else { return nil }
            return FindingText(message: "table \(name) has no primary key\(mayExist)",
                               help: "add id bigint generated always as identity primary key, or a natural primary key")
        }
    }
}
