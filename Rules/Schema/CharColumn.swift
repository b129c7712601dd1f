import SargableCore
import SargableLint
import SargableSyntax

public enum CharColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "char-column",
        title: "Column of type char(n)",
        severity: .info,
        category: .schema,
        rationale: """
        `char(n)` pads every value with spaces to n characters: storage is never smaller than text, \
        comparisons and `LIKE` ignore or keep the padding depending on the operator, and a longer \
        value is an error. It is never faster than `text` or `varchar` in PostgreSQL.
        """,
        fix: "Use `text` (with `CHECK (length(code) = 2)` when the length matters).",
        bad: [RuleExample("CREATE TABLE countries (code ↓char(2) PRIMARY KEY, name text)")],
        good: [RuleExample("CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2), name text)")])

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        for written in ColumnTypes.written(in: context) where written.type == "character" || written.type.hasPrefix("character(") {
            context.report(written.typeName, FindingText(
                message: "column \(written.table).\(written.column) is \(written.type): values are padded with spaces",
                help: "use text, with a check on length(\(written.column)) if the length matters"))
        }
    }
}
