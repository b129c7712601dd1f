import SargableCore
import SargableLint
import SargableSchema

public enum CatalogTenantTableWithoutRowSecurity: HealthRule {
    /// The same rule as the schema rule's (one catalogue entry): here decided on the live catalog.
    public static var metadata: RuleMetadata { TenantTableWithoutRowSecurity.metadata }
    public static var options: [RuleOption] { TenantTableWithoutRowSecurity.options }
    public static var section: HealthSection { .tenancy }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        let column = TenantTableWithoutRowSecurity.column.value(in: options)
        return server.schema.sortedTables.compactMap { table in
            TenantTableWithoutRowSecurity.problem(table, tenantColumn: column).map {
                finding(about: table.name, message: $0.message, help: $0.help)
            }
        }
    }
}
