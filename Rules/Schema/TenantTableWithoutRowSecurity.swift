import SargableAnalysis
import SargableCore
import SargableLint
import SargableSchema
import SargableSyntax

public enum TenantTableWithoutRowSecurity: SQLRule {
    public static let metadata = RuleMetadata(
        id: "tenant-table-without-row-security",
        title: "Multi-tenant table without enforced row-level security",
        severity: .warning,
        category: .schema,
        rationale: """
        In a shared schema, a table with a tenant column (`column`, default tenant_id) relies on \
        every query remembering `WHERE tenant_id = …`; one that forgets leaks another tenant's rows. \
        Row-level security makes the server add the filter. Reported when RLS is not enabled, when \
        it is enabled but the table has no policy (non-owners then see nothing, so the application \
        usually connects as the owner), and when FORCE ROW LEVEL SECURITY is missing: the table's \
        owner, often the application's role, bypasses every policy. Decided on the schema after \
        every file is replayed, and on a live catalog by `sargable doctor`.
        """,
        fix: "`ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY; CREATE POLICY tenant_isolation ON t USING (tenant_id = current_setting('app.tenant_id')::bigint);`",
        bad: [
            RuleExample("CREATE TABLE ↓invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, total numeric)"),
            RuleExample("""
                CREATE TABLE ↓invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, total numeric);
                ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON invoices USING (tenant_id = current_setting('app.tenant_id')::bigint)
                """),
            RuleExample("CREATE TABLE ↓invoices (id bigint PRIMARY KEY, account_id bigint NOT NULL)", options: ["column": .string("account_id")]),
        ],
        good: [
            RuleExample("""
                CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, total numeric);
                ALTER TABLE invoices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
                CREATE POLICY tenant_isolation ON invoices USING (tenant_id = current_setting('app.tenant_id')::bigint)
                """),
            RuleExample("CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL)"),
        ])

    public static let column = TypedOption<String>("column", default: "tenant_id", "the column that names a row's tenant")
    public static var options: [RuleOption] { [column.declaration] }

    public static let statementKinds: [NodeKind]? = [.createStmt]

    public static func check(_ context: RuleContext) {
        let root = context.root
        guard let relation = root[.relation], let name = relation.relationName,
              relation[.relpersistence]?.string != "t", root[.partbound] == nil else { return }
        let tenantColumn = context[Self.column]
        context.reportAfterReplay(relation) { schema in
            schema.table(name).flatMap { problem($0, tenantColumn: tenantColumn) }
        }
    }

    /// What is missing on `table` when it has `tenantColumn`; nil when it has none or RLS is enforced.
    static func problem(_ table: Table, tenantColumn: String) -> FindingText? {
        guard let column = table.column(named: tenantColumn) else { return nil }
        let security = table.rowSecurity ?? RowSecurity()
        let name = table.name
        let policy = "CREATE POLICY tenant_isolation ON \(name) USING (\(tenantColumn) = current_setting('app.\(tenantColumn)')::\(column.type));"
        if !security.enabled {
            return FindingText(message: "table \(name) has a \(tenantColumn) column but row-level security is not enabled: every query must filter by tenant itself",
                               help: "ALTER TABLE \(name) ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY; \(policy)")
        }
        if security.policies.isEmpty {
            return FindingText(message: "row-level security is enabled on \(name) but it has no policy: only its owner, which bypasses RLS, sees rows",
                               help: policy + (security.forced ? "" : " ALTER TABLE \(name) FORCE ROW LEVEL SECURITY;"))
        }
        guard !security.forced else { return nil }
        return FindingText(message: "the owner of \(name) bypasses its row-level security policies (\(security.policies.joined(separator: ", "))): FORCE ROW LEVEL SECURITY is not set",
                           help: "ALTER TABLE \(name) FORCE ROW LEVEL SECURITY;")
    }
}
