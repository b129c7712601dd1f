/// What area of the database a rule is about; shown in the catalogue.
public enum RuleCategory: String, Sendable, Codable, CaseIterable {
    /// Query shape: rules that read SELECT/INSERT/UPDATE/DELETE.
    case query
    /// Table design: rules that read CREATE TABLE and the schema model.
    case schema
    /// Migration safety: locks and rewrites caused by DDL on busy tables.
    case migration
    /// Findings on an EXPLAIN plan.
    case plan
    /// Findings on a captured workload (query logs).
    case workload
    /// Findings on a live database catalog.
    case database
    /// Findings about Sargable's own configuration and suppressions.
    case meta
}

/// One example in a rule's documentation: SQL (with `↓` markers in bad examples) or a captured plan.
public struct RuleExample: Sendable, Hashable {
    public enum Language: String, Sendable, Hashable { case sql, json }
    public var text: String
    public var language: Language

    public init(_ text: String, language: Language = .sql) {
        self.text = text
        self.language = language
    }
}

/// Everything the catalogue, `rules explain` and the reporters know about a rule.
public struct RuleMetadata: Sendable, Hashable {
    /// Kebab-case identifier, stable forever: `select-star`.
    public var id: String
    public var title: String
    public var severity: Severity
    public var category: RuleCategory
    /// Why it matters, in a paragraph.
    public var rationale: String
    /// What to do instead.
    public var fix: String
    public var bad: [RuleExample]
    public var good: [RuleExample]

    public init(id: String, title: String, severity: Severity, category: RuleCategory,
                rationale: String, fix: String, bad: [RuleExample] = [], good: [RuleExample] = []) {
        self.id = id
        self.title = title
        self.severity = severity
        self.category = category
        self.rationale = rationale
        self.fix = fix
        self.bad = bad
        self.good = good
    }

    /// Where the rule's documentation lives in the repository.
    public var documentationPath: String { "Rules/README.md#\(id)" }
}

/// A rule that appears in the catalogue (`sargable rules`, `Rules/README.md`).
public protocol DocumentedRule {
    static var metadata: RuleMetadata { get }
}
