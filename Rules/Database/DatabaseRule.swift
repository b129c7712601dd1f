import SargableCore
import SargableSchema

/// A catalogue rule that only a live catalog can answer (index usage, validity, sizes).
public protocol DatabaseRule: DocumentedRule {
    static func check(_ schema: SchemaModel) -> [Finding]
}

public enum DatabaseChecks {
    /// The database rules with their own catalogue entries.
    public nonisolated(unsafe) static let documented: [any DatabaseRule.Type] = [UnusedIndex.self, InvalidIndex.self]

    /// `unindexed-foreign-key`, `duplicate-index` and `missing-primary-key` share their ids (and
    /// catalogue entries) with the lint rules that find the same problems in DDL files.
    public nonisolated(unsafe) static let rules: [any DatabaseRule.Type] = [
        CatalogUnindexedForeignKey.self, CatalogDuplicateIndex.self, UnusedIndex.self, InvalidIndex.self,
        CatalogMissingPrimaryKey.self,
    ]

    /// Every database check on a schema read from a live catalog, in a stable order.
    public static func run(_ schema: SchemaModel) -> [Finding] {
        rules.flatMap { $0.check(schema) }
    }
}

extension Index {
    /// `orders_status_idx (status)`, `users_lower_idx ((lower(email)))`.
    var described: String { "\(name) (\(keys.map(\.description).joined(separator: ", ")))" }
}
