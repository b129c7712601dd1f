import SargableCore
import SargableLint
import SargableSchema

public enum MissingIdleInTransactionTimeout: HealthRule {
    public static let metadata = RuleMetadata(
        id: "missing-idle-in-transaction-timeout",
        title: "Application role without an idle_in_transaction_session_timeout",
        severity: .warning,
        category: .database,
        rationale: """
        A session that opens a transaction and then waits (an exception path that never rolls back, \
        a debugger, a request that calls another service mid-transaction) keeps its locks and its \
        snapshot: vacuum cannot remove rows behind it and a migration queues behind its locks. With \
        idle_in_transaction_session_timeout at 0 it stays so forever. Checked per login role that is \
        not a superuser, with the value its sessions start with.
        """,
        fix: "`ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';` so the server ends such sessions.",
        bad: [RuleExample("""
            ↓CREATE ROLE app LOGIN;
            ALTER ROLE app SET statement_timeout = '30s';
            """)],
        good: [
            RuleExample("""
                CREATE ROLE app LOGIN;
                ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';
                """),
            RuleExample("""
                CREATE ROLE app LOGIN;
                ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min';
                SELECT pg_reload_conf();
                """),
        ])

    public static let suggested = TypedOption<String>("suggested", default: "60s", "the timeout the fix proposes")
    public static var options: [RuleOption] { [suggested.declaration] }
    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        unlimitedForApplicationRoles(server, setting: "idle_in_transaction_session_timeout", suggested: suggested.value(in: options),
                                     consequence: "a session idle inside a transaction keeps its locks and blocks vacuum until it is killed")
    }
}
