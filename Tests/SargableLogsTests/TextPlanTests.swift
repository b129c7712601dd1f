import Foundation
import SargablePlan
import SargablePostgres
import Testing

/// auto_explain writes plans in EXPLAIN's text format unless told otherwise. Each statement
/// below is explained by a PostgreSQL 15 in both formats; the text must read into the plan the
/// JSON gives, node for node.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct TextPlanTests {
    static let setup = [
        "CREATE TABLE b (id int PRIMARY KEY, name text)",
        "CREATE TABLE a (id int PRIMARY KEY, b_id int, v text)",
        "CREATE INDEX a_b_id ON a (b_id)",
        "INSERT INTO b SELECT g, 'x' || g FROM generate_series(1, 1000) AS g",
        "INSERT INTO a SELECT g, g % 1000 + 1, md5(g::text) FROM generate_series(1, 20000) AS g",
        "VACUUM ANALYZE a",
        "VACUUM ANALYZE b",
    ]

    /// Hash, merge and nested-loop joins of every kind, bitmap and backward index-only scans,
    /// subplans, init plans, CTEs, functions, VALUES, appends, aggregates, windows, a sort that
    /// spills, a node never executed, a parallel plan, a subquery scan and an UPDATE.
    static let statements: [(settings: String?, sql: String)] = [
        (nil, "SELECT * FROM a JOIN b ON b.id = a.b_id WHERE b.name LIKE 'x1%'"),
        (nil, "SELECT * FROM a LEFT JOIN b ON b.id = a.b_id ORDER BY a.id LIMIT 10"),
        (nil, "SELECT * FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE a.b_id = b.id AND a.v < '1')"),
        (nil, "SELECT * FROM b WHERE id IN (SELECT b_id FROM a WHERE v < '01')"),
        (nil, "SELECT * FROM a WHERE b_id = 5 OR b_id = 7"),
        (nil, "SELECT id FROM a WHERE id < 100 ORDER BY id DESC"),
        (nil, "SELECT id, (SELECT name FROM b WHERE b.id = a.b_id) FROM a WHERE id < 5"),
        (nil, "SELECT * FROM a WHERE id = (SELECT max(id) FROM a)"),
        (nil, "WITH t AS MATERIALIZED (SELECT * FROM b WHERE id < 10) SELECT * FROM t, t AS u WHERE t.id = u.id"),
        (nil, "SELECT * FROM generate_series(1, 10) AS g JOIN (VALUES (1, 'x'), (2, 'y')) AS v (n, s) ON v.n = g"),
        (nil, "SELECT id FROM a WHERE id < 3 UNION ALL SELECT id FROM b WHERE id < 3"),
        (nil, "SELECT b_id, count(*) FROM a GROUP BY b_id"),
        (nil, "SELECT DISTINCT b_id FROM a ORDER BY b_id"),
        (nil, "SELECT id, row_number() OVER (PARTITION BY b_id ORDER BY id) FROM a WHERE id < 50"),
        ("SET work_mem = '64kB'", "SELECT * FROM a ORDER BY v"),
        (nil, "SELECT * FROM b JOIN a ON a.b_id = b.id WHERE b.id = -1"),
        (nil, "SELECT a.id FROM a JOIN b ON b.name = a.v ORDER BY a.v"),
        ("SET enable_hashjoin = off; SET enable_nestloop = off", "SELECT * FROM a JOIN b ON b.id = a.b_id WHERE a.id < 100"),
        ("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0",
         "SELECT count(*) FROM a WHERE v > 'a'"),
        (nil, "SELECT * FROM (SELECT b_id, count(*) AS c FROM a GROUP BY b_id ORDER BY c DESC LIMIT 3) AS s WHERE c > 1"),
        ("BEGIN", "UPDATE a SET v = v WHERE id < 3"),
    ]

    @Test func textPlansReadIntoTheJSONModel() throws {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(createHypoPG: false))
        defer { server.stop() }
        let connection = try Connection(server.connectionString())
        for statement in Self.setup { try connection.execute(statement) }
        for (settings, sql) in Self.statements {
            if let settings { try connection.execute(settings) }
            // Times differ from run to run, so without them; block counts too (one run warms the cache).
            let options = "ANALYZE, TIMING OFF, SUMMARY OFF"
            let json = try connection.execute("EXPLAIN (\(options), FORMAT JSON) \(sql)").rows.compactMap { $0.fields.first ?? nil }.joined()
            let text = try connection.execute("EXPLAIN (\(options), FORMAT TEXT) \(sql)").rows.compactMap { $0.fields.first ?? nil }
                .joined(separator: "\n")
            if settings != nil { try connection.execute(settings == "BEGIN" ? "ROLLBACK" : "RESET ALL") }
            let fromJSON = try ExplainPlan.decode(logged: json), fromText = try ExplainPlan.decode(logged: text)
            #expect(fromText.nodes.count == fromJSON.nodes.count, "\(sql)\n\(text)")
            #expect(LoggingModeTests.shape(fromText) == LoggingModeTests.shape(fromJSON), "\(sql)\n\(text)")
        }
    }

    /// What is not a plan says so in one line.
    @Test func textThatIsNotAPlanIsAnError() throws {
        #expect(throws: PlanDecodingError.self) { try ExplainPlan.decode(logged: "this is not a plan") }
        #expect(throws: PlanDecodingError.self) { try ExplainPlan.decode(logged: "Query Text: SELECT 1") }
        let deep = (0 ..< 1001).map { String(repeating: " ", count: $0 * 6) + ($0 == 0 ? "" : "->  ") + "Limit  (cost=0.00..1.00 rows=1 width=4)" }
        #expect(throws: PlanDecodingError.self) { try ExplainPlan.decode(logged: deep.joined(separator: "\n")) }
        #expect(try ExplainPlan.decode(logged: deep.prefix(900).joined(separator: "\n")).nodes.count == 900)
    }
}
