import SargableCore
import SargableLint
import SargableSchema

public enum TrackIOTimingOff: HealthRule {
    public static let metadata = RuleMetadata(
        id: "track-io-timing-off",
        title: "I/O timing not collected (track_io_timing off)",
        severity: .info,
        category: .database,
        rationale: """
        Without track_io_timing, EXPLAIN (ANALYZE, BUFFERS), auto_explain and pg_stat_statements \
        count the blocks a query read but not how long reading them took, so a plan cannot tell a \
        query slow on I/O from one slow on CPU. On current hardware the clock reads cost little \
        (pg_test_timing measures it).
        """,
        fix: "`ALTER SYSTEM SET track_io_timing = 'on'; SELECT pg_reload_conf();`",
        bad: [RuleExample("""
            ↓ALTER SYSTEM SET track_io_timing = off;
            SELECT pg_reload_conf();
            """)],
        good: [RuleExample("""
            ALTER SYSTEM SET track_io_timing = on;
            SELECT pg_reload_conf();
            """)])

    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        unlessOn(server, "track_io_timing", "plans and pg_stat_statements show blocks read but not the time spent reading them")
    }
}
