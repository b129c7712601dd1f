import SargableCore
import SargableLint
import SargableSyntax

public enum SerialColumn: SQLRule {
    public static let metadata = RuleMetadata(
        id: "serial-column",
        title: "serial column instead of an identity column",
        severity: .info,
        category: .schema,
        rationale: """
        `serial` is a default of `nextval` on a sequence the table owns loosely: permissions on the \
        sequence are separate, CREATE TABLE … LIKE and dumps of one table lose the link, and anyone \
        may insert their own value. `GENERATED ALWAYS AS IDENTITY` (PostgreSQL 10+) is the SQL \
        standard form with none of that. A style preference, so off by default.
        """,
        fix: "`id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`.",
        bad: [RuleExample("CREATE TABLE users (id ↓bigserial PRIMARY KEY, email text)")],
        good: [RuleExample("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text)")],
        isEnabledByDefault: false)

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        guard context.postgresVersion >= 10 else { return }
        for written in ColumnTypes.written(in: context) where AddingGeneratedColumn.serialTypes.contains(written.type) {
            context.report(written.typeName, FindingText(
                message: "column \(written.table).\(written.column) is \(written.type)",
                help: "use \(written.type.hasPrefix("big") || written.type == "serial8" ? "bigint" : "integer") generated always as identity"))
        }
    }
}
