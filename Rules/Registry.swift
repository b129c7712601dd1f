import SargableCore
import SargableLint

/// Every rule of the catalogue. Adding a rule: one file under `Rules/<Category>/`, one line here,
/// then `sargable rules --markdown > Rules/README.md` (a test fails while the page is stale).
public enum RuleRegistry {
    public static let sqlRules: [any SQLRule.Type] = [
        // Queries
        SelectStar.self,
        NonSargablePredicate.self,
        UnboundedSelect.self,
        OffsetPagination.self,
        LeadingWildcardLike.self,
        UnfilteredWrite.self,
        NotInSubquery.self,
        OrderByRandom.self,
        ImplicitCrossJoin.self,
        LimitWithoutOrderBy.self,
        // Schema
        MissingPrimaryKey.self,
        UnindexedForeignKey.self,
        ForeignKeyWithoutOnDelete.self,
        ArrayColumn.self,
        DuplicateIndex.self,
        // Migrations
        IndexNotConcurrent.self,
        AddForeignKeyValidating.self,
        AddingRequiredColumn.self,
        AddingVolatileDefault.self,
        ColumnTypeChange.self,
        SetNotNull.self,
        RenameColumn.self,
        RenameTable.self,
        DropColumn.self,
        // Meta
        UnusedSuppression.self,
    ]

    /// Every documented rule: the SQL rules, then the plan and database rules.
    public static var allMetadata: [RuleMetadata] {
        sqlRules.map { $0.metadata } + PlanAndDatabaseRules.all.map { $0.metadata }
    }

    /// Options per rule id, for the catalogue and the configuration reader.
    public static var options: [String: [RuleOption]] {
        Dictionary(sqlRules.map { ($0.metadata.id, $0.options) }, uniquingKeysWith: { first, _ in first })
    }

    /// What a configuration file may name: every rule id with its options.
    public static var configurableRules: [Configuration.RuleSettings] {
        allMetadata.map { Configuration.RuleSettings(id: $0.id, options: options[$0.id] ?? []) }
    }
}
