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

/// One example in a rule's documentation: SQL (with `↓` markers in bad examples), a captured plan,
/// or a log excerpt; with the rule options it is checked under, when not the defaults.
public struct RuleExample: Sendable, Hashable {
    public enum Language: String, Sendable, Hashable { case sql, json, log }
    public var text: String
    public var language: Language
    /// Option values the example is linted with (`["threshold": .integer(50)]`).
    public var options: [String: RuleOption.Value]

    public init(_ text: String, language: Language = .sql, options: [String: RuleOption.Value] = [:]) {
        self.text = text
        self.language = language
        self.options = options
    }
}

/// What a rule reads.
public enum RuleInput: String, Sendable, Hashable, CaseIterable {
    /// Each SQL statement of the linted files, with the schema replayed so far.
    case statement
    /// An EXPLAIN plan.
    case plan
    /// A live database's catalog and statistics.
    case catalog
    /// A captured workload: query logs or pg_stat_statements.
    case workload
}

/// An option a rule accepts, with its default (documented in the catalogue).
public struct RuleOption: Sendable, Hashable {
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case integer(Int)
        case string(String)
        case boolean(Bool)

        public var description: String {
            switch self {
            case .integer(let value): String(value)
            case .string(let value): value
            case .boolean(let value): String(value)
            }
        }
    }

    public var name: String
    public var defaultValue: Value
    public var summary: String

    public init(_ name: String, default defaultValue: Value, _ summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// A type a rule option can have.
public protocol RuleOptionValue: Sendable {
    var optionValue: RuleOption.Value { get }
    init?(optionValue: RuleOption.Value)
}

extension Int: RuleOptionValue {
    public var optionValue: RuleOption.Value { .integer(self) }
    public init?(optionValue: RuleOption.Value) {
        guard case .integer(let value) = optionValue else { return nil }
        self = value
    }
}

extension String: RuleOptionValue {
    public var optionValue: RuleOption.Value { .string(self) }
    public init?(optionValue: RuleOption.Value) {
        guard case .string(let value) = optionValue else { return nil }
        self = value
    }
}

extension Bool: RuleOptionValue {
    public var optionValue: RuleOption.Value { .boolean(self) }
    public init?(optionValue: RuleOption.Value) {
        guard case .boolean(let value) = optionValue else { return nil }
        self = value
    }
}

/// A typed option, declared once on its rule (`static let threshold = TypedOption<Int>("threshold",
/// default: 1000, "…")`) and read as `context[Self.threshold]`.
public struct TypedOption<Value: RuleOptionValue>: Sendable {
    public let name: String
    public let defaultValue: Value
    public let summary: String

    public init(_ name: String, default defaultValue: Value, _ summary: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
    }

    /// The option as the catalogue and the configuration reader see it.
    public var declaration: RuleOption { RuleOption(name, default: defaultValue.optionValue, summary) }

    /// Its value among configured ones, or the default.
    public func value(in values: [String: RuleOption.Value]) -> Value {
        values[name].flatMap(Value.init(optionValue:)) ?? defaultValue
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
    /// False for opt-in rules (style preferences): they run only when the configuration turns them on.
    public var isEnabledByDefault: Bool

    public init(id: String, title: String, severity: Severity, category: RuleCategory,
                rationale: String, fix: String, bad: [RuleExample] = [], good: [RuleExample] = [],
                isEnabledByDefault: Bool = true) {
        self.isEnabledByDefault = isEnabledByDefault
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

/// A rule of the catalogue (`sargable rules`, `Rules/README.md`): SQL, plan, database or workload.
/// Each kind of rule refines this with its check, in the module that has its input.
public protocol DocumentedRule: Sendable {
    static var metadata: RuleMetadata { get }
    /// What the rule reads.
    static var input: RuleInput { get }
    /// Options this rule reads from the configuration (`rules: {offset-pagination: {threshold: 500}}`).
    static var options: [RuleOption] { get }
}

extension DocumentedRule {
    public static var options: [RuleOption] { [] }
}
