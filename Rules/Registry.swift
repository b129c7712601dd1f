import SargableCore
import SargableLint
import SargableLogs
import SargablePlan

/// The one catalogue of every rule: SQL (query, schema, migration, meta), plan, database and
/// workload. `sargable rules`, `rules explain`, `Rules/README.md`, the configuration reader and
/// every command's checks read it. Adding a rule: one file under `Rules/<Category>/` (workload
/// rules: `Sources/SargableLogs/WorkloadRules.swift`), one line here (a test fails when a rule type
/// is missing), then `sargable rules --markdown > Rules/README.md` (a test fails while it is stale).
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
        CharColumn.self,
        VarcharColumn.self,
        TimestampWithoutTimeZone.self,
        SerialColumn.self,
        IntPrimaryKey.self,
        IdentifierTooLong.self,
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
        TenantTableWithoutRowSecurity.self,
        MissingLockTimeout.self,
        MissingStatementTimeout.self,
        AddConstraintBuildsIndex.self,
        ConcurrentlyInTransaction.self,
        TransactionNesting.self,
        EnumValueInTransaction.self,
        AddingGeneratedColumn.self,
        DetachPartitionNotConcurrent.self,
        // Destructive changes, one id each so teams can pick
        DropTable.self,
        DropDefault.self,
        DropConstraint.self,
        DropDatabase.self,
        DropSchema.self,
        TruncateCascade.self,
        RenameObject.self,
        // Meta
        UnusedSuppression.self,
    ]

    /// In the order their findings are reported.
    public static let planRules: [any PlanRule.Type] = [
        PlanSeqScanFilter.self, PlanRowMisestimate.self, PlanSortSpill.self, PlanNestedLoopInnerScan.self,
        PlanHeapFetches.self, PlanHotspot.self,
    ]

    /// Every check on a live catalog, in a stable order. `unindexed-foreign-key`, `duplicate-index`
    /// and `missing-primary-key` share their ids (and catalogue entries) with the SQL rules that
    /// find the same problems in DDL files.
    public static let databaseRules: [any DatabaseRule.Type] = [
        CatalogUnindexedForeignKey.self, CatalogDuplicateIndex.self, UnusedIndex.self, InvalidIndex.self,
        CatalogMissingPrimaryKey.self,
    ]

    /// The operational checklist on a live server (`sargable doctor`), in report order within
    /// each section. `tenant-table-without-row-security` shares its entry with the schema rule.
    public static let healthRules: [any HealthRule.Type] = [
        // Settings
        SlowQueryLogOff.self, RoleWithoutStatementTimeout.self, MissingIdleInTransactionTimeout.self,
        LockWaitsNotLogged.self, DeadlockTimeoutUnusual.self, TrackIOTimingOff.self, TempFilesNotLogged.self,
        AutovacuumDisabled.self, PgStatStatementsNotPreloaded.self,
        // Index health
        LowUsageIndex.self, BloatedIndex.self, IndexLargerThanTable.self,
        // Connections
        ConnectionsNearLimit.self,
        // Multi-tenancy
        CatalogTenantTableWithoutRowSecurity.self,
    ]

    public static let workloadRules: [any WorkloadRule.Type] = WorkloadRules.all

    /// Every rule type, each catalogue entry once (a database check that shares an SQL rule's
    /// entry is listed under the SQL rule).
    public static let all: [any DocumentedRule.Type] = {
        var seen = Set<String>()
        let every: [any DocumentedRule.Type] = sqlRules.map { $0 } + planRules.map { $0 } + databaseRules.map { $0 }
            + healthRules.map { $0 } + workloadRules.map { $0 }
        return every.filter { seen.insert($0.metadata.id).inserted }
    }()

    // Stored, not computed: every command line builds its command more than once (argument
    // parsing, completions), and each build reads the rule ids.

    /// Every catalogue entry, in catalogue order.
    public static let allMetadata: [RuleMetadata] = all.map { $0.metadata }

    /// Every rule id, in catalogue order.
    public static let allIDs: [String] = allMetadata.map(\.id)

    /// Options per rule id, for the catalogue and the configuration reader.
    public static let options: [String: [RuleOption]] =
        Dictionary(all.map { ($0.metadata.id, $0.options) }, uniquingKeysWith: { first, _ in first })

    /// What a configuration file may name: every rule id with its options.
    public static let configurableRules: [Configuration.RuleSettings] =
        allMetadata.map { Configuration.RuleSettings(id: $0.id, options: options[$0.id] ?? []) }
}

/// Every plan rule on a plan, in the registry's order.
public enum PlanChecks {
    public static func run(_ plan: ExplainPlan) -> [PlanFinding] {
        RuleRegistry.planRules.flatMap { $0.check(plan) }
    }
}
