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

/// The planner's column statistics of every user table (`pg_stats`), read in one read-only transaction.
public struct PlannerStatistics: Sendable {
    public var columns: [RelationName: [String: ColumnStatistics]] = [:]
    /// How long index scan counts and write counters have been counting (`Catalog.statisticsAge`).
    public var secondsCounted: Int?

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
            result.secondsCounted = try Catalog.statisticsAge(connection)?.seconds
            return result
        }
    }
}
