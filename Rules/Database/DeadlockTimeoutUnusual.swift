import SargableCore
import SargableLint
import SargableSchema

public enum DeadlockTimeoutUnusual: HealthRule {
    public static let metadata = RuleMetadata(
        id: "deadlock-timeout-unusual",
        title: "deadlock_timeout far from its default of 1 s",
        severity: .info,
        category: .database,
        rationale: """
        deadlock_timeout is how long a lock wait lasts before the server checks for a deadlock, and \
        the wait after which log_lock_waits logs it. Much shorter than 1 s, busy servers spend CPU on \
        deadlock checks; much longer, deadlocked transactions hold their locks (and everything \
        queued behind them) that long, and lock waits go unlogged for that long. Reported when it is \
        more than `factor` times away from 1 s.
        """,
        fix: "`ALTER SYSTEM SET deadlock_timeout = '1s'; SELECT pg_reload_conf();`, unless a measured reason says otherwise.",
        bad: [RuleExample("""
            ↓ALTER SYSTEM SET deadlock_timeout = '30s';
            SELECT pg_reload_conf();
            """)],
        good: [
            RuleExample("""
                ALTER SYSTEM SET deadlock_timeout = '2s';
                SELECT pg_reload_conf();
                """),
            RuleExample("""
                ALTER SYSTEM SET deadlock_timeout = '30s';
                SELECT pg_reload_conf();
                """, options: ["factor": .integer(60)]),
        ])

    public static let defaultMilliseconds = 1000
    public static let factor = TypedOption<Int>("factor", default: 10, "how many times shorter or longer than 1 s is reported")
    public static var options: [RuleOption] { [factor.declaration] }
    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        let factor = max(1, Self.factor.value(in: options))
        guard let value = server.milliseconds(of: "deadlock_timeout"),
              value * factor < defaultMilliseconds || value > defaultMilliseconds * factor else { return [] }
        let effect = value > defaultMilliseconds ? "deadlocks hold their locks and lock waits go unlogged that long"
            : "busy servers run a deadlock check after every short lock wait"
        return [settingFinding("deadlock_timeout is \(value) ms, more than \(factor) times away from the default 1 s: \(effect)",
                               set: "deadlock_timeout", to: "1s")]
    }
}
