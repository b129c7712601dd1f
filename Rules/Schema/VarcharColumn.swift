import SargableCore
import SargableLint
import SargableSyntax

public enum VarcharColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "varchar-column",
        title: "Column of type varchar(n)",
        severity: .info,
        category: .schema,
        rationale: """
        In PostgreSQL `varchar(n)` is `text` with a length check that cannot be changed cheaply: \
        raising the limit is instant, but lowering it rewrites the table, and the limit is rarely a \
        rule of the data. `text` with a CHECK constraint says the same and can be replaced NOT VALID. \
        A style preference, so off by default.
        """,
        fix: "Use `text`, with `CHECK (length(name) <= 200)` where a limit is a rule of the data.",
        bad: [RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, name ↓varchar(200))")],
        good: [RuleExample("CREATE TABLE users (id bigint PRIMARY KEY, name text CHECK (length(name) <= 200))")],
        isEnabledByDefault: false)

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        for written in ColumnTypes.written(in: context) where written.type.hasPrefix("character varying(") {
            context.report(written.typeName, FindingText(
                message: "column \(written.table).\(written.column) is \(written.type)",
                help: "use text, with check (length(\(written.column)) <= n) if the limit is a rule of the data"))
        }
    }
}
