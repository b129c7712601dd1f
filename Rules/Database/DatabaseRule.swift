import SargableCore
import SargableLint
import SargableSchema

/// A catalogue rule that only a live catalog can answer (index usage, validity, sizes). Each
/// finding names the index or table it is about, so the linter can place it at the statement that
/// creates that object, where configuration and suppressions apply as to any other finding.
public protocol DatabaseRule: DocumentedRule {
    static func check(_ schema: SchemaModel) -> [DatabaseFinding]
}

extension DatabaseRule {
    public static var input: RuleInput { .catalog }

    /// A finding of this rule about `object`, with the rule's id and default severity.
    static func finding(about object: RelationName, message: String, help: String) -> DatabaseFinding {
        DatabaseFinding(object: object, finding: Finding(rule: metadata.id, severity: metadata.severity, message: message, help: help))
    }

    /// A finding of this rule about `index`, placed with its table when no file creates the index.
    static func finding(about index: Index, message: String, help: String) -> DatabaseFinding {
        var result = finding(about: index.relationName, message: message, help: help)
        result.table = index.table
        return result
    }
}

/// The database rules run together, as `lint --database` and `database check` run them.
public enum DatabaseChecks {
    /// Every database check on a schema read from a live catalog, in the registry's order.
    public static func run(_ schema: SchemaModel) -> [DatabaseFinding] {
        RuleRegistry.databaseRules.flatMap { $0.check(schema) }
    }
}

extension Index {
    /// `orders_status_idx (status)`, `users_lower_idx ((lower(email)))`.
    var described: String { "\(name) (\(keys.map(\.description).joined(separator: ", ")))" }

    /// The index as a relation name (indexes live in their table's schema).
    var relationName: RelationName { RelationName(schema: table.schema, name: name) }
}

extension SchemaModel {
    /// Tables whose indexes cost the most writes first (then by name): how index findings rank.
    var tablesByIndexWrites: [Table] {
        sortedTables.enumerated().sorted { lhs, rhs in
            lhs.element.indexWrites != rhs.element.indexWrites ? lhs.element.indexWrites > rhs.element.indexWrites : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
