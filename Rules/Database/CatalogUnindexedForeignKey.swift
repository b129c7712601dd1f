import SargableCore
import SargableLint
import SargableSchema

public enum CatalogUnindexedForeignKey: DatabaseRule {
    /// The same rule as the linter's (one catalogue entry): here decided on the whole live catalog.
    public static var metadata: RuleMetadata { UnindexedForeignKey.metadata }

    public static func check(_ schema: SchemaModel) -> [DatabaseFinding] {
        schema.sortedTables.flatMap { table in
            table.foreignKeys.filter { !table.hasIndex(leadingWith: $0.columns) }.map { foreignKey in
                let columns = foreignKey.columns.joined(separator: ", ")
                let shown = foreignKey.columns.count == 1 ? "\(table.name).\(columns)" : "\(table.name) (\(columns))"
                return finding(about: table.name,
                               message: "foreign key \(shown) has no index",
                               help: "create index concurrently on \(table.name) (\(columns))")
            }
        }
    }
}
