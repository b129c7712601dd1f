import SargableAnalysis
import SargableCore
import SargableLint
import SargableSyntax

public enum OffsetPagination: SQLRule {
    public static let metadata = RuleMetadata(
        id: "offset-pagination",
        title: "Deep OFFSET pagination",
        severity: .warning,
        category: .query,
        rationale: """
        OFFSET n makes the server produce and discard n rows before the page it returns, so page 1,000 \
        costs a thousand pages. A parameter means the offset grows with the page number; a constant is \
        reported from the `threshold` option up.
        """,
        fix: """
        Paginate with a keyset: remember the last row's sort key and ask for the rows after it, \
        `WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT 50`, served by an \
        index on `(created_at, id)`.
        """,
        bad: [
            RuleExample("SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET ↓$1"),
            RuleExample("SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET ↓100000"),
            RuleExample("SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET ↓200", options: ["threshold": .integer(100)]),
        ],
        good: [
            RuleExample("SELECT id FROM orders WHERE id > $1 ORDER BY id LIMIT 50"),
            RuleExample("SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET 100"),
            RuleExample("SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET 5000", options: ["threshold": .integer(10000)]),
        ])

    public static let threshold = TypedOption<Int>("threshold", default: 1000, "smallest constant OFFSET reported")
    public static var options: [RuleOption] { [threshold.declaration] }

    public static func check(_ context: RuleContext) {
        let threshold = context[Self.threshold]
        for select in context.nodes(.selectStmt) {
            guard let offset = select[.limitOffset] else { continue }
            if offset.kind == .paramRef {
                context.report(offset, FindingText(
                    message: "offset \(ExpressionText.of(offset)) grows with the page number: every page reads and discards the rows before it",
                    help: "paginate with a keyset (where sort_key > last_seen order by sort_key limit n)"))
            } else if let value = offset.integerConstant, value >= threshold {
                context.report(offset, FindingText(message: "offset \(value) reads and discards \(value) rows before the page",
                                                   help: "paginate with a keyset (where sort_key > last_seen order by sort_key limit n)"))
            }
        }
    }
}
