import Foundation
import SargableCore
import SargablePlan
import SargablePostgres
import SargableRules
import SargableSyntax
import Testing

/// Parses one statement for the collector, as the CLI does.
func parsed(_ sql: String) throws -> (text: String, root: Node) {
    let statement = try #require(SQLDocument(path: "test.sql", text: sql).parse().first)
    return (statement.source.text, try statement.result.get())
}

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct ExplainCollectorTests {
    let database: (conninfo: String, connection: Connection)

    init() throws { database = try TestServer.freshSampleDatabase("explain") }

    func explain(_ sql: String, _ options: ExplainOptions = ExplainOptions(), parameters: [String?]? = nil) throws -> CollectedPlan {
        let statement = try parsed(sql)
        return try ExplainCollector(connection: database.connection, options: options)
            .explain(statement.text, root: statement.root, parameters: parameters)
    }

    @Test func analyzeRunsASelectWithBuffersAndSettings() throws {
        try database.connection.execute("SET work_mem = '8MB'")
        let collected = try explain("SELECT count(*) FROM orders WHERE status = 'open'", ExplainOptions(analyze: true))
        #expect(collected.executed)
        #expect(collected.parameters == ParameterHandling.none)
        #expect(collected.plan.executionTime != nil)
        #expect(collected.plan.root.actualRows == 1)
        #expect(collected.plan.nodes.contains { $0.buffers.map { !$0.isEmpty } == true })
        #expect(collected.plan.settings["work_mem"] == "8MB")
    }

    @Test func withoutAnalyzeOnlyPlans() throws {
        let collected = try explain("SELECT * FROM users WHERE email = 'user1@example.com'")
        #expect(!collected.executed)
        #expect(collected.plan.executionTime == nil)
        #expect(collected.plan.nodes.allSatisfy { $0.actualTotalTime == nil })
        #expect(collected.plan.root.planRows >= 1)
    }

    @Test func parametersWithoutValuesGetTheGenericPlan() throws {
        let collected = try explain("SELECT * FROM users WHERE id = $1 AND status = $2", ExplainOptions(analyze: true))
        #expect(collected.parameters == .genericPlan)
        #expect(!collected.executed)
        #expect(collected.notes.contains { $0.hasPrefix("generic plan: no values for $1…$2") })
        #expect(collected.plan.root.indexName == "users_pkey")
        #expect(collected.plan.root.indexCond == "(id = $1)")
        // The prepared statement is gone afterwards.
        #expect(try database.connection.query("SELECT count(*) AS n FROM pg_prepared_statements").rows.first?.int("n") == 0)
    }

    @Test func parameterValuesGiveACustomPlanThatRuns() throws {
        let collected = try explain("SELECT * FROM users WHERE id = $1", ExplainOptions(analyze: true), parameters: ["42"])
        #expect(collected.parameters == .values)
        #expect(collected.executed)
        #expect(collected.plan.root.actualRows == 1)
        #expect(collected.plan.root.indexCond == "(id = '42'::bigint)")
        let missing = #expect(throws: ExplainError.self) {
            try explain("SELECT * FROM users WHERE id = $1 AND status = $2", parameters: ["1"])
        }
        #expect(missing?.description == "the statement uses $2 but 1 parameter value(s) were given")
    }

    @Test func writesArePlannedNotRunUnlessAsked() throws {
        let before = try database.connection.query("SELECT count(*) AS n FROM orders").rows.first?.int("n")
        let planned = try explain("DELETE FROM orders WHERE status = 'cancelled'", ExplainOptions(analyze: true))
        #expect(!planned.executed)
        #expect(planned.plan.root.nodeType == .modifyTable)
        #expect(planned.notes.contains("not executed: writes are only planned unless --analyze-writes is given"))
        let ran = try explain("DELETE FROM order_items WHERE quantity = 3", ExplainOptions(analyze: true, analyzeWrites: true))
        #expect(ran.executed)
        #expect(ran.notes.contains(ExplainCollector.sideEffectsNote))
        #expect((ran.plan.root.children.first?.actualRows ?? 0) > 0)
        #expect(try database.connection.query("SELECT count(*) AS n FROM orders").rows.first?.int("n") == before)
        #expect(try database.connection.query("SELECT count(*) AS n FROM order_items WHERE quantity = 3").rows.first?.int("n") == 80_000)
    }

    @Test(arguments: [
        ("DROP TABLE orders", "DROP TABLE is not explained"),
        ("TRUNCATE orders", "TRUNCATE is not explained"),
        ("CREATE INDEX ON orders (status)", "CREATE INDEX is not explained"),
        ("VACUUM orders", "VACUUM is not explained"),
        ("SELECT * INTO orders_copy FROM orders", "SELECT INTO is not explained"),
        ("EXPLAIN SELECT 1", "EXPLAIN is not explained"),
    ])
    func ddlAndUtilityStatementsAreRefused(_ sql: String, _ message: String) throws {
        let error = #expect(throws: ExplainError.self) { try explain(sql, ExplainOptions(analyze: true, analyzeWrites: true)) }
        #expect(error?.description.hasPrefix(message) == true)
    }

    /// The safety guarantee: explaining every kind of write, with --analyze and --analyze-writes,
    /// changes no row and drops no object.
    @Test func explainingAFileOfWritesChangesNothing() throws {
        let connection = database.connection
        func snapshot() throws -> [String] {
            let tables = try connection.query("""
                SELECT c.oid::regclass::text AS name FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1
                """).rows.compactMap { $0["name"] }
            var state = ["objects: " + (try connection.query(
                "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            ).rows.first?["n"] ?? "?")]
            for table in tables {
                let checksum = try connection.query("SELECT count(*) AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS sum FROM \(table) t")
                state.append("\(table): \(checksum.rows.first?["n"] ?? "?") \(checksum.rows.first?["sum"] ?? "?")")
            }
            return state
        }
        let before = try snapshot()
        #expect(before.count == 6)  // objects + five tables
        let script = """
            DELETE FROM order_items;
            DELETE FROM orders WHERE id IN (SELECT order_id FROM order_items);
            UPDATE users SET email = 'x@example.com', status = 'banned';
            UPDATE orders SET total_cents = total_cents + 1 WHERE status = 'open';
            INSERT INTO products (name, price_cents) SELECT 'copy ' || name, price_cents FROM products;
            INSERT INTO users (email) VALUES ('new@example.com');
            MERGE INTO products p USING (SELECT 1 AS id) s ON p.id = s.id WHEN MATCHED THEN DELETE;
            WITH gone AS (DELETE FROM audit_log RETURNING *) SELECT count(*) FROM gone;
            SELECT nextval('users_id_seq');
            TRUNCATE orders CASCADE;
            DROP TABLE order_items;
            DROP TABLE users CASCADE;
            ALTER TABLE orders DROP COLUMN status;
            CREATE TABLE scratch (id int);
            COPY orders TO STDOUT;
            """
        let document = SQLDocument(path: "writes.sql", text: script)
        for options in [ExplainOptions(analyze: true), ExplainOptions(analyze: true, analyzeWrites: true)] {
            let collector = ExplainCollector(connection: connection, options: options)
            var refused = 0
            for statement in document.parse() {
                do {
                    _ = try collector.explain(statement.source.text, root: try statement.result.get())
                } catch let error as ExplainError {
                    if error.description.contains("is not explained") { refused += 1 }
                }
            }
            #expect(refused == 6)
        }
        #expect(try snapshot() == before)
    }

    @Test func statementOverTheTimeoutIsCancelledWithAClearError() throws {
        let error = #expect(throws: ExplainError.self) {
            try explain("SELECT pg_sleep(10)", ExplainOptions(analyze: true, statementTimeoutMilliseconds: 200))
        }
        #expect(error?.description == "statement ran longer than statement_timeout (200 ms) and was cancelled")
        #expect(error?.underlying?.sqlState == .queryCanceled)
        // The connection is still usable and no transaction was left open.
        #expect(!database.connection.isInTransaction)
        #expect(try database.connection.query("SELECT 1 AS one").rows.first?.int("one") == 1)
    }

    @Test func waitingForALockIsCancelledWithAClearError() throws {
        let holder = try Connection(database.conninfo)
        try holder.execute("BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? holder.execute("ROLLBACK") }
        let error = #expect(throws: ExplainError.self) {
            try explain("SELECT * FROM products", ExplainOptions(analyze: true, lockTimeoutMilliseconds: 100))
        }
        #expect(error?.description == "statement waited longer than lock_timeout (100 ms) for a lock and was cancelled")
    }

    @Test func autoExplainJSONFromTheServerLogDecodes() throws {
        let server = try TestServer.server()
        let connection = try Connection(database.conninfo)
        let marker = "auto_explain_marker_\(UUID().uuidString.prefix(8))"
        try connection.execute("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_format = 'json'; SET auto_explain.log_analyze = on")
        try connection.query("SELECT count(*) AS \(marker) FROM orders WHERE status = 'open'")
        // The log line is written before the result is sent, so it is in the file now.
        let log = try String(contentsOfFile: server.serverLogFile, encoding: .utf8)
        let entry = try #require(log.range(of: "\"Query Text\": \"SELECT count(*) AS \(marker)"))
        let start = try #require(log[..<entry.lowerBound].lastIndex(of: "{"))
        var depth = 0
        var end = start
        for index in log[start...].indices {
            if log[index] == "{" { depth += 1 }
            if log[index] == "}" { depth -= 1; if depth == 0 { end = index; break } }
        }
        let plan = try ExplainPlan.decode(String(log[start ... end]))
        #expect(plan.queryText?.contains(marker) == true)
        #expect(plan.root.nodeType.name.contains("Aggregate"))
        #expect(plan.isAnalyzed)
        #expect(plan.nodes.contains { $0.relationName == "orders" && $0.filter == "(status = 'open'::text)" })
    }
}

/// Each plan insight, triggered by real data in the sample domain.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct PlanInsightTests {
    let database: (conninfo: String, connection: Connection)

    init() throws {
        database = try TestServer.freshSampleDatabase("insights")
        // Serial plans keep rows per loop and times simple to reason about.
        try database.connection.execute("SET max_parallel_workers_per_gather = 0")
    }

    func analyzed(_ sql: String, writes: Bool = false) throws -> ExplainPlan {
        let statement = try parsed(sql)
        return try ExplainCollector(connection: database.connection, options: ExplainOptions(analyze: true, analyzeWrites: writes))
            .explain(statement.text, root: statement.root).plan
    }

    func findings(_ sql: String, rule: any PlanRule.Type) throws -> [PlanFinding] {
        rule.check(try analyzed(sql))
    }

    @Test func seqScanFilter() throws {
        let found = try findings("SELECT id FROM orders WHERE status = 'open'", rule: PlanSeqScanFilter.self)
        #expect(found.map(\.finding.message) == ["seq scan on orders reads 200000 rows per loop and its filter on status removes 99.8% of them"])
        #expect(try findings("SELECT id FROM orders WHERE status = 'delivered'", rule: PlanSeqScanFilter.self).isEmpty)
    }

    @Test func rowMisestimate() throws {
        let found = try findings("""
            SELECT o.id, i.quantity FROM orders o JOIN order_items i ON i.order_id = o.id
            WHERE o.status = 'open' AND o.id % 500 = 0
            """, rule: PlanRowMisestimate.self)
        let finding = try #require(found.first)
        #expect(finding.finding.message.hasPrefix("Seq Scan on orders o returned 400 rows per loop but the planner expected"))
        #expect(finding.finding.severity == .warning)
    }

    @Test func sortSpill() throws {
        try database.connection.execute("SET work_mem = '64kB'")
        let found = try findings("SELECT id, total_cents FROM orders ORDER BY total_cents, id LIMIT 50000", rule: PlanSortSpill.self)
        #expect(found.count == 1)
        #expect(found.first?.finding.help.contains("work_mem (64kB)") == true)
        try database.connection.execute("SET work_mem = '32MB'")
        #expect(try findings("SELECT id, total_cents FROM orders ORDER BY total_cents, id LIMIT 50000", rule: PlanSortSpill.self).isEmpty)
    }

    @Test func nestedLoopInnerScan() throws {
        // Ten banned users the planner thinks are two: one side is scanned once per row of the other.
        try database.connection.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
        let found = try findings("""
            SELECT u.email, o.total_cents FROM users u JOIN orders o ON o.user_id = u.id
            WHERE u.status = 'banned' AND u.id % 2000 = 0
            """, rule: PlanNestedLoopInnerScan.self)
        #expect(found.count == 1)
        let message = try #require(found.first?.finding.message)
        #expect(message.hasPrefix("nested loop scans users sequentially") || message.hasPrefix("nested loop scans orders sequentially"))
    }

    @Test func heapFetches() throws {
        let connection = database.connection
        try connection.execute("ALTER TABLE orders SET (autovacuum_enabled = false)")
        try connection.execute("VACUUM orders")
        #expect(try findings("SELECT id FROM orders WHERE id <= 5000", rule: PlanHeapFetches.self).isEmpty)
        try connection.execute("UPDATE orders SET total_cents = total_cents WHERE id <= 5000")
        let found = try findings("SELECT id FROM orders WHERE id <= 5000", rule: PlanHeapFetches.self)
        #expect(found.first?.finding.message.hasPrefix("index-only scan using orders_pkey on orders fetched") == true)
    }

    @Test func hotspot() throws {
        let found = try findings("SELECT count(*) FROM orders WHERE status = 'open'", rule: PlanHotspot.self)
        #expect(found.count == 1)
        #expect(found.first?.finding.message.hasPrefix("Seq Scan on orders takes") == true)
    }

    @Test func noHotspotOnTheWriteItself() throws {
        // Inserting is ModifyTable's own time, well over 40% here: nothing an index or rewrite speeds up.
        // (A table without foreign keys: their triggers' time is outside every node.)
        try database.connection.execute("CREATE TABLE scratch (n integer, label text)")
        let sql = "INSERT INTO scratch SELECT n, 'row ' || n FROM generate_series(1, 20000) AS n"
        let plan = try analyzed(sql, writes: true)
        let write = try #require(plan.nodes.first { $0.nodeType == .modifyTable })
        #expect(try #require(write.exclusiveTime) / (plan.totalTime ?? 1) > PlanHotspot.share)
        #expect(PlanHotspot.check(plan).allSatisfy { plan.node($0.nodeID)?.nodeType != .modifyTable })
    }
}
