import SargableCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lint settings from `.sargable.yml` / `.sargable.toml`:
///
/// ```yaml
/// postgres-version: 15          # target server; version-dependent rules use it
/// exclude: [legacy/*.sql]       # glob patterns matched against each file's path
/// migrations:
///   layout: auto                # auto | path | up-down | flyway | sqitch (replay order, down files)
///   transaction: none           # none | per-file (the tool runs each file in a transaction)
/// rules:
///   select-star: off            # off | on | info | warning | error
///   offset-pagination:
///     severity: error
///     threshold: 500            # a rule option
/// ```
public struct Configuration: Sendable {
    public static let fileNames = [".sargable.yml", ".sargable.yaml", ".sargable.toml"]
    public static let defaultPostgresVersion = 15
    /// The major versions `postgres-version` (and `--postgres-version`) accept.
    public static let postgresVersions = 9 ... 99
    public static let postgresVersionRequirement = "postgres-version must be a major version such as 15"

    /// The file it was read from, if any.
    public var path: String?
    public var disabledRules: Set<String> = []
    /// Rules turned on by name (`on`, a severity, `enabled: true`): opt-in rules run only then.
    public var enabledRules: Set<String> = []
    public var severities: [String: Severity] = [:]
    public var options: [String: [String: RuleOption.Value]] = [:]
    public var exclude: [String] = []
    public var postgresVersion: Int?
    /// How migration files are named: the replay order and which files undo another.
    public var migrationLayout: MigrationLayout = .auto
    /// The migration tool runs each file in a transaction of its own (`migrations.transaction: per-file`).
    public var migrationsRunInTransaction = false

    public init() {}

    /// What the configuration file may say about each rule: its id and the options it accepts.
    public struct RuleSettings: Sendable {
        public let id: String
        public let options: [RuleOption]

        public init(id: String, options: [RuleOption]) {
            self.id = id
            self.options = options
        }
    }

    /// The first configuration file in `directory` or any directory above it.
    public static func find(from directory: String) -> String? {
        var current = directory
        while true {
            for name in fileNames {
                let candidate = current.hasSuffix("/") ? current + name : current + "/" + name
                if access(candidate, R_OK) == 0 { return candidate }
            }
            guard let slash = current.lastIndex(of: "/"), current != "/" else { return nil }
            current = slash == current.startIndex ? "/" : String(current[..<slash])
        }
    }

    /// Reads and validates a configuration file; unknown keys and rule ids are errors with their line.
    public static func load(path: String, rules: [RuleSettings]) throws -> Configuration {
        let bytes: [UInt8]
        do {
            bytes = try InputFiles.read(path)
        } catch {
            throw ConfigurationError(path: path, line: 0, message: error.reason)
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path, rules: rules)
    }

    public static func parse(_ text: String, path: String, rules: [RuleSettings]) throws(ConfigurationError) -> Configuration {
        let document = path.hasSuffix(".toml") ? try TOMLSubset.read(text, path: path) : try YAMLSubset.read(text, path: path)
        var configuration = Configuration()
        configuration.path = path
        guard case .table(let entries, _) = document else {
            throw ConfigurationError(path: path, line: document.line, message: "expected a mapping at the top level")
        }
        let known = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in entries {
            switch entry.key {
            case "postgres-version":
                guard case .scalar(let text, _) = entry.value, let version = Int(text), Self.postgresVersions.contains(version) else {
                    throw ConfigurationError(path: path, line: entry.line, message: Self.postgresVersionRequirement)
                }
                configuration.postgresVersion = version
            case "exclude":
                configuration.exclude = try strings(entry.value, key: "exclude", path: path)
            case "migrations":
                guard case .table(let settings, _) = entry.value else {
                    throw ConfigurationError(path: path, line: entry.line, message: "migrations must be a mapping (layout, transaction)")
                }
                for setting in settings {
                    let text: String? = if case .scalar(let text, _) = setting.value { text.lowercased() } else { nil }
                    switch setting.key {
                    case "layout":
                        guard let layout = text.flatMap(MigrationLayout.init(rawValue:)) else {
                            throw ConfigurationError(path: path, line: setting.line, message: MigrationLayout.requirement)
                        }
                        configuration.migrationLayout = layout
                    case "transaction":
                        guard let text, ["none", "per-file"].contains(text) else {
                            throw ConfigurationError(path: path, line: setting.line, message: "migrations.transaction must be none or per-file")
                        }
                        configuration.migrationsRunInTransaction = text == "per-file"
                    default:
                        throw ConfigurationError(path: path, line: setting.line,
                                                 message: "unknown key 'migrations.\(setting.key)' (expected layout or transaction)")
                    }
                }
            case "rules":
                guard case .table(let ruleEntries, _) = entry.value else {
                    throw ConfigurationError(path: path, line: entry.line, message: "rules must map rule ids to settings")
                }
                for ruleEntry in ruleEntries {
                    guard let settings = known[ruleEntry.key] else {
                        throw ConfigurationError(path: path, line: ruleEntry.line, message: "unknown rule '\(ruleEntry.key)'")
                    }
                    try configuration.apply(ruleEntry.value, to: settings, path: path)
                }
            default:
                throw ConfigurationError(path: path, line: entry.line,
                                         message: "unknown key '\(entry.key)' (expected postgres-version, exclude, migrations or rules)")
            }
        }
        return configuration
    }

    private mutating func apply(_ value: ConfigValue, to rule: RuleSettings, path: String) throws(ConfigurationError) {
        switch value {
        case .scalar(let text, let line):
            try applyLevel(text, rule: rule.id, line: line, path: path)
        case .list(_, let line):
            throw ConfigurationError(path: path, line: line, message: "\(rule.id): expected a severity or a mapping")
        case .table(let entries, _):
            for entry in entries {
                guard case .scalar(let text, let line) = entry.value else {
                    throw ConfigurationError(path: path, line: entry.line, message: "\(rule.id).\(entry.key): expected a single value")
                }
                switch entry.key {
                case "severity", "level":
                    try applyLevel(text, rule: rule.id, line: line, path: path)
                case "enabled":
                    guard let enabled = Self.boolean(text) else {
                        throw ConfigurationError(path: path, line: line, message: "\(rule.id).enabled must be true or false")
                    }
                    if enabled { disabledRules.remove(rule.id); enabledRules.insert(rule.id) } else { disabledRules.insert(rule.id) }
                default:
                    guard let option = rule.options.first(where: { $0.name == entry.key }) else {
                        let accepted = (["severity", "enabled"] + rule.options.map(\.name)).joined(separator: ", ")
                        throw ConfigurationError(path: path, line: entry.line,
                                                 message: "unknown option '\(entry.key)' for rule \(rule.id) (accepted: \(accepted))")
                    }
                    options[rule.id, default: [:]][option.name] = try Self.convert(text, like: option.defaultValue,
                                                                                    name: "\(rule.id).\(option.name)", line: line, path: path)
                }
            }
        }
    }

    private mutating func applyLevel(_ text: String, rule: String, line: Int, path: String) throws(ConfigurationError) {
        switch text.lowercased() {
        case "off", "false", "disabled": disabledRules.insert(rule)
        case "on", "true", "enabled":
            disabledRules.remove(rule)
            enabledRules.insert(rule)
        default:
            guard let severity = Severity(rawValue: text.lowercased()) else {
                throw ConfigurationError(path: path, line: line, message: "\(rule): expected off, on, info, warning or error, not '\(text)'")
            }
            disabledRules.remove(rule)
            enabledRules.insert(rule)
            severities[rule] = severity
        }
    }

    private static func convert(_ text: String, like example: RuleOption.Value, name: String, line: Int,
                                path: String) throws(ConfigurationError) -> RuleOption.Value {
        switch example {
        case .integer:
            guard let value = Int(text) else { throw ConfigurationError(path: path, line: line, message: "\(name) must be an integer") }
            return .integer(value)
        case .boolean:
            guard let value = boolean(text) else { throw ConfigurationError(path: path, line: line, message: "\(name) must be true or false") }
            return .boolean(value)
        case .string: return .string(text)
        }
    }

    private static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    private static func strings(_ value: ConfigValue, key: String, path: String) throws(ConfigurationError) -> [String] {
        switch value {
        case .scalar(let text, _): return [text]
        case .list(let items, _):
            var result: [String] = []
            for item in items {
                guard case .scalar(let text, _) = item else {
                    throw ConfigurationError(path: path, line: item.line, message: "\(key) must be a list of strings")
                }
                result.append(text)
            }
            return result
        case .table(_, let line):
            throw ConfigurationError(path: path, line: line, message: "\(key) must be a list of strings")
        }
    }

    /// True when `path` matches an `exclude` pattern, as given or from any directory boundary on
    /// (`legacy/*.sql` excludes `db/legacy/old.sql`).
    public func isExcluded(_ path: String) -> Bool {
        guard !exclude.isEmpty else { return false }
        var suffixes = [path]
        var index = path.startIndex
        while let slash = path[index...].firstIndex(of: "/") {
            index = path.index(after: slash)
            suffixes.append(String(path[index...]))
        }
        return exclude.contains { pattern in suffixes.contains { fnmatch(pattern, $0, 0) == 0 } }
    }

    /// Whether `rule` runs: off when turned off, on when turned on by name, else its default.
    public func isEnabled(_ rule: String, byDefault: Bool = true) -> Bool {
        !disabledRules.contains(rule) && (byDefault || enabledRules.contains(rule))
    }

    /// A rule's option values: the configured ones over the `declared` defaults.
    public func optionValues(of rule: String, declared: [RuleOption]) -> [String: RuleOption.Value] {
        var values: [String: RuleOption.Value] = [:]
        for option in declared { values[option.name] = option.defaultValue }
        for (name, value) in options[rule] ?? [:] { values[name] = value }
        return values
    }

    public func severity(of rule: String, default severity: Severity) -> Severity { severities[rule] ?? severity }

    /// `finding` as the configuration grades it (its severity, if the file sets one); nil when its
    /// rule is off. Every command that reports findings grades them here.
    public func graded(_ finding: Finding) -> Finding? {
        guard isEnabled(finding.rule) else { return nil }
        var result = finding
        result.severity = severity(of: finding.rule, default: finding.severity)
        return result
    }

    /// `item` with its finding graded; nil when the finding's rule is off.
    public func graded<Item>(_ item: Item, _ finding: WritableKeyPath<Item, Finding>) -> Item? {
        graded(item[keyPath: finding]).map { regraded in
            var result = item
            result[keyPath: finding] = regraded
            return result
        }
    }
}
