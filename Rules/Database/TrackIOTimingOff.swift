import SargableCore
import SargableLint
import SargableSchema

public enum TrackIOTimingOff: HealthRule {
    public static let metadata = RuleMetadata(
        id: "track-io-timing-off",
        title: "I/O timing not collected (track_io_timing off) while plans or statement statistics are",
        severity: .info,
        category: .database,
        rationale: """
        Without track_io_timing, the plans and statistics the server collects count the blocks a \
        query read but not how long reading them took, so they cannot tell a query slow on I/O \
        from one slow on CPU. Reported only when something collects them, which here means: \
        auto_explain loaded (shared_preload_libraries, or session_preload_libraries for the server, \
        a role or a database) with auto_explain.log_analyze on, because only plans logged with \
        ANALYZE carry I/O timings; or pg_stat_statements in shared_preload_libraries, whose \
        block read and write times stay 0 without it. A server collecting neither loses nothing \
        by the setting. On current hardware the clock reads cost little (pg_test_timing measures it).
        """,
        fix: "`ALTER SYSTEM SET track_io_timing = 'on'; SELECT pg_reload_conf();`",
        bad: [RuleExample("""
            ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';
            ↓ALTER SYSTEM SET track_io_timing = off;
            """),
              RuleExample("""
            ALTER SYSTEM SET shared_preload_libraries = 'auto_explain';
            -- loaded here too, so that ALTER SYSTEM knows its settings before the restart
            LOAD 'auto_explain';
            ALTER SYSTEM SET auto_explain.log_analyze = on;
            ↓ALTER SYSTEM SET track_io_timing = off;
            """)],
        good: [RuleExample("""
            ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';
            ALTER SYSTEM SET track_io_timing = on;
            """),
               RuleExample("""
            -- plans are logged without ANALYZE, so without timings of any kind
            ALTER SYSTEM SET shared_preload_libraries = 'auto_explain';
            ALTER SYSTEM SET track_io_timing = off;
            """),
               RuleExample("""
            -- nothing collects plans or statement statistics
            ALTER SYSTEM RESET shared_preload_libraries;
            ALTER SYSTEM SET track_io_timing = off;
            """)])

    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        let collectors = collectors(on: server)
        guard !collectors.isEmpty else { return [] }
        return unlessOn(server, "track_io_timing",
                        "\(collectors.joined(separator: " and ")) show blocks read but not the time spent reading them")
    }

    /// What on `server` collects plans or statement statistics that track_io_timing would time.
    static func collectors(on server: ServerHealth) -> [String] {
        var collectors: [String] = []
        let sessionLoaded = ([server.settings["session_preload_libraries"]?.value]
            + server.overrides.filter { $0.name == "session_preload_libraries" }.map(\.value))
            .compactMap { $0 }.contains { ServerHealth.libraries($0).contains("auto_explain") }
        let autoExplain = server.libraries("shared_preload_libraries").contains("auto_explain") || sessionLoaded
        // Per role or database as well: auto_explain is often switched on for one role only.
        let analyze = ([server.settings["auto_explain.log_analyze"]?.value]
            + server.overrides.filter { $0.name == "auto_explain.log_analyze" }.map(\.value))
            .compactMap { $0 }.contains(where: ServerSetting.isTrue)
        if autoExplain, analyze { collectors.append("auto_explain's plans (log_analyze on)") }
        if server.libraries("shared_preload_libraries").contains("pg_stat_statements") { collectors.append("pg_stat_statements") }
        return collectors
    }
}
