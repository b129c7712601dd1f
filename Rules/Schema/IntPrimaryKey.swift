import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum IntPrimaryKey: SQLRule {
    public static let metadata = RuleMetadata(
        id: "int-primary-key",
        title: "Primary key of type integer or smallint",
        severity: .info,
        category: .schema,
        rationale: """
        An `integer` key runs out at 2,147,483,647 (a `smallint` one at 32,767), and a busy table \
        gets there: inserts then fail until the key and every foreign key to it are changed to \
        bigint, a rewrite of each table. `bigint` costs four bytes more per row.
        """,
        fix: "`id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY` (and bigint foreign keys to it).",
        bad: [
            RuleExample("CREATE TABLE orders (id ↓integer PRIMARY KEY, note text)"),
            RuleExample("CREATE TABLE orders (id ↓serial, note text, PRIMARY KEY (id))"),
        ],
        good: [RuleExample("CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text)")])

    static let smallTypes: Set<String> = ["integer", "smallint", "serial", "smallserial", "serial2", "serial4"]

    public static let statementKinds: [NodeKind]? = [.createStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        let tableKey = (root[.tableElts]?.elements ?? []).first { $0.as(Constraint.self)?.contype == .primary }?[.keys]?.stringValues ?? []
        for written in ColumnTypes.written(in: context) where smallTypes.contains(written.type) {
            guard let definition = context.nodes(.columnDef).first(where: { $0[.colname]?.string == written.column }) else { continue }
            let inline = (definition[.constraints]?.elements ?? []).contains { $0.as(Constraint.self)?.contype == .primary }
            // A one-column key: in a composite key the other columns widen the range.
            guard inline || tableKey == [written.column] else { continue }
            context.report(written.typeName, FindingText(
                message: "primary key \(written.table).\(written.column) is \(written.type): it overflows at \(written.type.hasPrefix("small") || written.type == "serial2" ? "32,767" : "2,147,483,647")",
                help: "use bigint"))
        }
    }
}
