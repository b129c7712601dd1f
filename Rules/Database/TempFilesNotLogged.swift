import SargableCore
import SargableLint
import SargableSchema

public enum TempFilesNotLogged: HealthRule {
    public static let metadata = RuleMetadata(
        id: "temp-files-not-logged",
        title: "Temporary files are not logged (log_temp_files = -1)",
        severity: .info,
        category: .database,
        rationale: """
        A sort or hash that does not fit in work_mem spills to a temporary file. log_temp_files logs \
        each such file at or above its size (0: all) with the statement that wrote it; at -1 (the \
        default) the spills are invisible except as a total in pg_stat_database.
        """,
        fix: "`ALTER SYSTEM SET log_temp_files = '0'; SELECT pg_reload_conf();` (or a size such as '10MB' on a busy server).",
        bad: [RuleExample("""
            ↓ALTER SYSTEM SET log_temp_files = -1;
            SELECT pg_reload_conf();
            """)],
        good: [RuleExample("""
            ALTER SYSTEM SET log_temp_files = 0;
            SELECT pg_reload_conf();
            """)])

    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        guard server.settings["log_temp_files"]?.value == "-1" else { return [] }
        return [settingFinding("log_temp_files is -1: sorts and hashes that spill to disk are not logged",
                               set: "log_temp_files", to: "0")]
    }
}
