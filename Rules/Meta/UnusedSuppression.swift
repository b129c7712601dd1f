import SargableCore
import SargableLint
import SargableSyntax

/// Reported by the engine (`Linter`), which alone sees which suppressions silenced something.
public enum UnusedSuppression: SQLRule {
    public static let metadata = RuleMetadata(
        id: Linter.unusedSuppressionRule,
        title: "Suppression comment that silenced nothing",
        severity: .warning,
        category: .meta,
        rationale: """
        A `-- sargable-ignore rule-id: reason` comment that no longer silences anything (the query was \
        fixed, the rule id is misspelled, the comment drifted away from its statement) hides the next \
        real finding of that rule and misleads readers.
        """,
        fix: "Remove the comment, or the rule id from it; check the id with `sargable rules`.",
        bad: [
            RuleExample("↓-- sargable-ignore select-star: legacy report\nSELECT id FROM users WHERE id = $1"),
            RuleExample("↓-- sargable-ignore select-stra: typo\nSELECT * FROM users WHERE id = $1"),
        ],
        good: [
            RuleExample("-- sargable-ignore select-star: the export needs every column\nSELECT * FROM users WHERE id = $1"),
            RuleExample("-- sargable-ignore-file unfiltered-write\nDELETE FROM orders"),
        ])

    public static let statementKinds: [NodeKind]? = []

    public static func check(_ context: RuleContext) {}
}
