import SargableCore
import SargableLint
import SargableSchema

public enum RoleWithoutStatementTimeout: HealthRule {
    public static let metadata = RuleMetadata(
        id: "role-without-statement-timeout",
        title: "Application role without a statement_timeout",
        severity: .warning,
        category: .database,
        rationale: """
        With statement_timeout at 0 a runaway query (a missing WHERE, a plan gone bad) runs until \
        someone kills it, holding its connection, its snapshot (vacuum cannot clean behind it) and \
        its locks. Checked for every role that can log in and is not a superuser, with the value its \
        sessions start with: ALTER ROLE … IN DATABASE, ALTER ROLE, ALTER DATABASE, then the server's. \
        Superusers are left alone: migrations and maintenance may rightly run long.
        """,
        fix: "Give each application role a limit: `ALTER ROLE app SET statement_timeout = '30s';` (new sessions get it).",
        bad: [RuleExample("""
            ↓CREATE ROLE app LOGIN;
            """)],
        good: [
            RuleExample("""
                CREATE ROLE app LOGIN;
                ALTER ROLE app SET statement_timeout = '30s';
                """),
            RuleExample("""
                CREATE ROLE admin LOGIN SUPERUSER;
                CREATE ROLE reporting NOLOGIN;
                """),
        ])

    public static let suggested = TypedOption<String>("suggested", default: "30s", "the timeout the fix proposes")
    public static var options: [RuleOption] { [suggested.declaration] }
    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        unlimitedForApplicationRoles(server, setting: "statement_timeout", suggested: suggested.value(in: options),
                                     consequence: "a runaway query holds its connection and locks until it is killed")
    }
}
