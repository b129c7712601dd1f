import SargableCore
import SargableLint
import SargableSyntax

public enum TimestampWithoutTimeZone: SQLRule {
    public static let metadata = RuleMetadata(
        id: "timestamp-without-time-zone",
        title: "Column of type timestamp without time zone",
        severity: .info,
        category: .schema,
        rationale: """
        `timestamp` stores a wall-clock reading without saying where: the same value means different \
        instants to servers and clients in different zones, and arithmetic across a daylight-saving \
        change is off by an hour. `timestamptz` stores the instant (in UTC) and takes no more space.
        """,
        fix: "Use `timestamptz`; `ALTER COLUMN … TYPE timestamptz USING at AT TIME ZONE 'UTC'` converts (a rewrite: see column-type-change).",
        bad: [RuleExample("CREATE TABLE events (id bigint PRIMARY KEY, at ↓timestamp NOT NULL)")],
        good: [RuleExample("CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL)")])

    public static let statementKinds: [NodeKind]? = [.createStmt, .alterTableStmt]

    public static func check(_ context: RuleContext) {
        for written in ColumnTypes.written(in: context) where written.type.hasPrefix("timestamp without time zone") {
            context.report(written.typeName, FindingText(
                message: "column \(written.table).\(written.column) is a timestamp without time zone",
                help: "use timestamptz"))
        }
    }
}
