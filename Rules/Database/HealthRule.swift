import SargableCore
import SargableLint
import SargableSchema

/// The sections of the operational checklist `sargable doctor` reports, in its order.
public enum HealthSection: String, Sendable, CaseIterable {
    case settings = "Settings"
    case indexes = "Index health"
    case connections = "Connections"
    case tenancy = "Multi-tenancy"
}

/// A catalogue rule of the operational checklist: decided on a live server's settings, statistics
/// and catalog (`ServerHealth`), with the rule's configured options. A finding about a table or
/// index names it (the linter can place it at the statement that creates it); one about a setting
/// names no object and says the `ALTER SYSTEM` / `ALTER ROLE … SET` that fixes it.
public protocol HealthRule: DocumentedRule {
    static var section: HealthSection { get }
    static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding]
}

extension HealthRule {
    public static var input: RuleInput { .catalog }

    static func finding(about object: RelationName?, message: String, help: String) -> DatabaseFinding {
        DatabaseFinding(object: object, finding: Finding(rule: metadata.id, severity: metadata.severity, message: message, help: help))
    }

    /// A finding when the boolean setting `name` is off, with `why` it matters.
    static func unlessOn(_ server: ServerHealth, _ name: String, _ why: String) -> [DatabaseFinding] {
        guard server.settings[name]?.isOn == false else { return [] }
        return [settingFinding("\(name) is off: \(why)", set: name, to: "on")]
    }

    /// A finding about a server-wide setting, fixed by `ALTER SYSTEM SET name = value` and a reload.
    static func settingFinding(_ message: String, set name: String, to value: String) -> DatabaseFinding {
        finding(about: nil, message: message,
                help: "ALTER SYSTEM SET \(name) = '\(value)'; SELECT pg_reload_conf();")
    }
}

/// The health checklist `sargable doctor` runs: its rules and the section each belongs to.
public enum HealthChecks {
    /// The database rules (schema-model checks) that belong to the checklist, with their section.
    public static let databaseRules: [(rule: any DatabaseRule.Type, section: HealthSection)] = [
        (CatalogDuplicateIndex.self, .indexes), (UnusedIndex.self, .indexes), (InvalidIndex.self, .indexes),
    ]

    /// The section of every rule the checklist runs, by id.
    public static var sections: [String: HealthSection] {
        var sections = Dictionary(uniqueKeysWithValues: RuleRegistry.healthRules.map { ($0.metadata.id, $0.section) })
        for (rule, section) in databaseRules { sections[rule.metadata.id] = section }
        return sections
    }

    /// Every checklist rule on `server`, with the options `configuration` gives each (defaults
    /// otherwise); severities and disabled rules are the caller's to apply.
    public static func run(_ server: ServerHealth, configuration: Configuration = Configuration()) -> [DatabaseFinding] {
        let enabled = { (id: String) in configuration.isEnabled(id) }
        var findings = RuleRegistry.healthRules.filter { enabled($0.metadata.id) }.flatMap { rule in
            rule.check(server, options: configuration.optionValues(of: rule.metadata.id, declared: rule.options))
        }
        findings += databaseRules.map(\.rule).filter { enabled($0.metadata.id) }.flatMap { $0.check(server.schema) }
        return findings
    }
}

extension HealthRule {
    /// One finding per application role (can log in, not a superuser) whose sessions start with
    /// `setting` at 0, i.e. no limit: fixed per role, so maintenance sessions keep no limit.
    static func unlimitedForApplicationRoles(_ server: ServerHealth, setting: String, suggested: String,
                                             consequence: String) -> [DatabaseFinding] {
        server.applicationRoles.filter { server.milliseconds(of: setting, forRole: $0) == 0 }.map { role in
            finding(about: nil, message: "\(setting) is 0 (no limit) for role \(role), which can log in: \(consequence)",
                    help: "ALTER ROLE \(SQLIdentifier.quoted(role)) SET \(setting) = '\(suggested)';")
        }
    }
}

enum SQLIdentifier {
    /// `app`, `"App-Role"`: a name as SQL text must spell it.
    static func quoted(_ name: String) -> String {
        let plain = name.first.map { $0 == "_" || ("a" ... "z").contains($0) } == true
            && name.allSatisfy { $0 == "_" || $0 == "$" || ("a" ... "z").contains($0) || ("0" ... "9").contains($0) }
        return plain ? name : "\"" + name.replacing("\"", with: "\"\"") + "\""
    }
}

extension Table {
    /// `orders: 1200 inserts, 300 updates (40% HOT), 0 deletes`: what every index of the table
    /// pays for, the evidence that ranks unused indexes on write-heavy tables first.
    var writeCost: String { writes.map { "writes to \(name) since the reset: \($0.description)" } ?? "no write statistics for \(name)" }

    /// Inserts and non-HOT updates: each writes every index of the table.
    var indexWrites: Int { writes?.indexWrites ?? 0 }
}
