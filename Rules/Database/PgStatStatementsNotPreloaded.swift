import SargableCore
import SargableLint
import SargableSchema

public enum PgStatStatementsNotPreloaded: HealthRule {
    public static let metadata = RuleMetadata(
        id: "pg-stat-statements-not-preloaded",
        title: "pg_stat_statements is not in shared_preload_libraries",
        severity: .warning,
        category: .database,
        rationale: """
        pg_stat_statements keeps calls, total time, rows and buffers per normalised statement: the \
        workload `sargable analyze` ranks and the index advisor weighs. It only collects when loaded \
        at server start through shared_preload_libraries; CREATE EXTENSION alone gives an empty view \
        that errors.
        """,
        fix: "Add it (keeping the libraries already listed), restart the server, then `CREATE EXTENSION pg_stat_statements;`.",
        bad: [RuleExample("""
            ↓ALTER SYSTEM SET shared_preload_libraries = 'auto_explain';
            """)],
        good: [RuleExample("""
            ALTER SYSTEM SET shared_preload_libraries = 'auto_explain', 'pg_stat_statements';
            """)])

    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        guard let setting = server.settings["shared_preload_libraries"] else { return [] }
        let libraries = setting.value.split(separator: ",").map { $0.filter { $0 != " " && $0 != "\"" } }.filter { !$0.isEmpty }
        guard !libraries.contains("pg_stat_statements") else { return [] }
        // One quoted name each: a single quoted 'a, b' would be one library called "a, b".
        let wanted = (libraries + ["pg_stat_statements"]).map { "'\($0)'" }.joined(separator: ", ")
        return [finding(about: nil,
                        message: "shared_preload_libraries (\(libraries.isEmpty ? "empty" : libraries.joined(separator: ", "))) does not load pg_stat_statements: no per-statement workload statistics are collected",
                        help: "ALTER SYSTEM SET shared_preload_libraries = \(wanted); then restart the server and CREATE EXTENSION pg_stat_statements;")]
    }
}
