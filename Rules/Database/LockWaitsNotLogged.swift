import SargableCore
import SargableLint
import SargableSchema

public enum LockWaitsNotLogged: HealthRule {
    public static let metadata = RuleMetadata(
        id: "lock-waits-not-logged",
        title: "Lock waits are not logged (log_lock_waits off)",
        severity: .warning,
        category: .database,
        rationale: """
        With log_lock_waits on, a session that waits longer than deadlock_timeout for a lock logs \
        who it waits for and on what. Off (the default), lock queues behind a migration or a long \
        transaction leave no trace: the statements just look slow. The cost is one log line per \
        long wait.
        """,
        fix: "`ALTER SYSTEM SET log_lock_waits = 'on'; SELECT pg_reload_conf();`",
        bad: [RuleExample("""
            ↓ALTER SYSTEM SET log_lock_waits = off;
            SELECT pg_reload_conf();
            """)],
        good: [RuleExample("""
            ALTER SYSTEM SET log_lock_waits = on;
            SELECT pg_reload_conf();
            """)])

    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        unlessOn(server, "log_lock_waits", "waits for locks longer than deadlock_timeout leave no trace in the log")
    }
}
