// A package that depends on the `SargableLint` product imports this module and has the linter too.
@_exported import SargableLint
import SargableSchema

extension Linter {
    /// A linter with every rule of the catalogue, as `sargable lint` runs them: every SQL rule, and
    /// the other rules' ids known to suppressions and configuration.
    public init(configuration: Configuration = Configuration(), baseSchema: SchemaModel = SchemaModel()) {
        self.init(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all, configuration: configuration, baseSchema: baseSchema)
    }
}
