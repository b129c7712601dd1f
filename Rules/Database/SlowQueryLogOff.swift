import SargableCore
import SargableLint
import SargableSchema

public enum SlowQueryLogOff: HealthRule {
    public static let metadata = RuleMetadata(
        id: "slow-query-log-off",
        title: "Slow-query log disabled or above the threshold",
        severity: .warning,
        category: .database,
        rationale: """
        log_min_duration_statement logs every statement that runs longer than it. At -1 (the default) \
        nothing is logged, so a slow query is only noticed when users complain; far above a second, \
        the statements that hurt most in aggregate (hundreds of 800 ms calls) never show up. The log \
        is what `sargable analyze` and the workload rules read.
        """,
        fix: "Set it to about a second server-wide and reload: `ALTER SYSTEM SET log_min_duration_statement = '1s'; SELECT pg_reload_conf();`.",
        bad: [
            RuleExample("""
                ↓ALTER SYSTEM SET log_min_duration_statement = -1;
                SELECT pg_reload_conf();
                """),
            RuleExample("""
                ↓ALTER SYSTEM SET log_min_duration_statement = '10s';
                SELECT pg_reload_conf();
                """),
        ],
        good: [
            RuleExample("""
                ALTER SYSTEM SET log_min_duration_statement = '1s';
                SELECT pg_reload_conf();
                """),
            RuleExample("""
                ALTER SYSTEM SET log_min_duration_statement = '5s';
                SELECT pg_reload_conf();
                """, options: ["threshold-ms": .integer(5000)]),
        ])

    public static let threshold = TypedOption<Int>("threshold-ms", default: 1000, "largest log_min_duration_statement accepted, in milliseconds")
    public static var options: [RuleOption] { [threshold.declaration] }
    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        let threshold = Self.threshold.value(in: options)
        guard let value = server.milliseconds(of: "log_min_duration_statement") else { return [] }
        let suggested = threshold % 1000 == 0 ? "\(threshold / 1000)s" : "\(threshold)ms"
        if value < 0 {
            return [settingFinding("log_min_duration_statement is -1: no statement is logged, however slow",
                                   set: "log_min_duration_statement", to: suggested)]
        }
        guard value > threshold else { return [] }
        return [settingFinding("log_min_duration_statement is \(value) ms: statements between \(threshold) ms and \(value) ms are never logged",
                               set: "log_min_duration_statement", to: suggested)]
    }
}
