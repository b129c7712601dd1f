import SargableCore
import SargableLint
import SargableSchema

public enum CatalogMissingPrimaryKey: DatabaseRule {
    /// The same rule as the linter's (one catalogue entry): here decided on the whole live catalog.
    public static var metadata: RuleMetadata { MissingPrimaryKey.metadata }

    public static func check(_ schema: SchemaModel) -> [DatabaseFinding] {
        schema.sortedTables.filter { $0.primaryKey == nil }.map { table in
            finding(about: table.name,
                    message: "table \(table.name) has no primary key",
                    help: "alter table \(table.name) add primary key (…), or add an identity column")
        }
    }
}
