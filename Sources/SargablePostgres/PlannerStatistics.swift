import SargableSchema

/// What `pg_stats` says of one column: how many distinct values, how many NULLs, and how well the
/// column's order follows the table's physical order.
public struct ColumnStatistics: Sendable, Hashable {
    /// As `pg_stats` has it: a count when positive, minus a fraction of the rows when negative.
    public var nDistinct: Double
    public var nullFraction: Double
    public var correlation: Double?

    /// Distinct values in a table of `rows` rows.
    public func distinctValues(rows: Double) -> Double {
        nDistinct >= 0 ? nDistinct : -nDistinct * rows
    }
}

/// A table's write activity since the statistics were reset (`pg_stat_user_tables`).
public struct TableActivity: Sendable, Hashable, Codable {
    public var inserts: Int
    public var updates: Int
    public var hotUpdates: Int
    public var deletes: Int

    public var writes: Int { inserts &+ updates &+ deletes }
    /// Share of updates that were HOT (no index entry written); nil without updates.
    public var hotRatio: Double? { updates > 0 ? Double(hotUpdates) / Double(updates) : nil }
}

/// The planner statistics and write counters of every user table, read in one read-only transaction.
public struct PlannerStatistics: Sendable {
    public var columns: [RelationName: [String: ColumnStatistics]] = [:]
    public var activity: [RelationName: TableActivity] = [:]
    /// Seconds since the cumulative statistics were last reset (or the server started): how long
    /// the write counters and index scan counts have been counting.
    public var secondsCounted: Double?

    public init() {}

    public func column(_ table: RelationName, _ name: String) -> ColumnStatistics? { columns[table]?[name] }

    public static func read(_ connection: Connection, limits: StatementLimits = StatementLimits()) throws(PostgresError) -> PlannerStatistics {
        try connection.readOnlyTransaction(limits) { () throws(PostgresError) in
            var result = PlannerStatistics()
            for row in try connection.query("""
                SELECT schemaname, tablename, attname, n_distinct::float8 AS n_distinct,
                       null_frac::float8 AS null_frac, correlation::float8 AS correlation
                FROM pg_stats WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND NOT inherited
                """).rows {
                guard let schema = row["schemaname"], let table = row["tablename"], let column = row["attname"],
                      let distinct = row["n_distinct"].flatMap(Double.init) else { continue }
                result.columns[RelationName(schema: schema, name: table), default: [:]][column] = ColumnStatistics(
                    nDistinct: distinct, nullFraction: row["null_frac"].flatMap(Double.init) ?? 0,
                    correlation: row["correlation"].flatMap(Double.init))
            }
            for row in try connection.query("""
                SELECT schemaname, relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables
                """).rows {
                guard let schema = row["schemaname"], let table = row["relname"] else { continue }
                result.activity[RelationName(schema: schema, name: table)] = TableActivity(
                    inserts: row.int("n_tup_ins") ?? 0, updates: row.int("n_tup_upd") ?? 0,
                    hotUpdates: row.int("n_tup_hot_upd") ?? 0, deletes: row.int("n_tup_del") ?? 0)
            }
            let age = try connection.query("""
                SELECT extract(epoch FROM now() - coalesce(stats_reset, pg_postmaster_start_time()))::float8 AS seconds
                FROM pg_stat_database WHERE datname = current_database()
                """).rows.first
            result.secondsCounted = age?["seconds"].flatMap(Double.init)
            return result
        }
    }
}
