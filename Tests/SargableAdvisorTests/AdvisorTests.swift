import Foundation
import SargableAdvisor
import SargableLogs
import SargablePostgres
import SargableSyntax
import Testing

/// One throwaway server, and one database of generated data big enough that the planner prefers
/// an index when one exists (200,000 orders, 20,000 customers), shared by the suite.
enum AdvisorDatabase {
    static let server: Result<TemporaryPostgres, Error> = Result { try TemporaryPostgres.start() }

    static let shop: Result<String, Error> = Result {
        let conninfo = try server.get().createDatabase("advisor_shop")
        let connection = try Connection(conninfo)
        try connection.execute("""
            CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, region text NOT NULL);
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),
                                 shop_id int NOT NULL, status text NOT NULL, total numeric NOT NULL,
                                 created_at timestamptz NOT NULL);
            CREATE TABLE events (id bigint PRIMARY KEY, account_id int NOT NULL, kind text NOT NULL, payload text);
            CREATE TABLE archived_orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, created_at timestamptz NOT NULL);
            CREATE INDEX archived_orders_customer_created ON archived_orders (customer_id, created_at);
            CREATE INDEX archived_orders_customer ON archived_orders (customer_id);
            -- Holds the name the advisor would give an index on orders (customer_id): names are per schema.
            CREATE INDEX orders_customer_id_idx ON archived_orders (created_at);
            INSERT INTO customers SELECT i, 'user' || i || '@example.com', (ARRAY['eu', 'us', 'ap'])[1 + i % 3]
                FROM generate_series(1, 20000) AS i;
            INSERT INTO orders SELECT i, 1 + (i * 7919) % 20000, i % 20, CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'done' END,
                                      (i % 1000) / 10.0, timestamptz '2026-01-01' + (i % 365) * interval '1 day'
                FROM generate_series(1, 200000) AS i;
            INSERT INTO events SELECT i, i % 500, (ARRAY['click', 'view', 'buy', 'error'])[1 + i % 4], md5(i::text)
                FROM generate_series(1, 100000) AS i;
            INSERT INTO archived_orders SELECT i, 1 + i % 20000, timestamptz '2025-01-01' + (i % 365) * interval '1 day'
                FROM generate_series(1, 100000) AS i;
            """)
        // The visibility map makes index-only scans cheap, as on any vacuumed table.
        try connection.execute("VACUUM ANALYZE")
        return conninfo
    }

    static func advise(_ sql: String, configure: (inout AdvisorOptions) -> Void = { _ in }) throws -> Advice {
        let conninfo = try shop.get()
        var options = AdvisorOptions()
        configure(&options)
        let workload = Workload.from(documents: [SQLDocument(path: "workload.sql", text: sql)])
        #expect(workload.problems.isEmpty, "\(workload.problems)")
        let advisor = try Advisor(workload: workload, options: options) { () throws(PostgresError) in try Connection(conninfo) }
        return advisor.advise()
    }
}

@Suite(.serialized) struct AdvisorTests {
    private func keys(_ recommendation: Recommendation) -> String { recommendation.hypotheticalDefinition }

    @Test func unindexedForeignKeyBehindAnNPlusOneLoopGetsAnIndexLedByTheKey() throws {
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 5000
            SELECT id, total FROM orders WHERE customer_id = $1;
            """)
        let first = try #require(advice.recommendations.first)
        #expect(first.table == "orders")
        #expect(first.hypotheticalDefinition.contains("USING btree (\"customer_id\""), "\(first.hypotheticalDefinition)")
        #expect(first.statements.first?.replaces?.hasPrefix("Seq Scan on orders") == true)
        #expect(first.statements.first.map { $0.costAfter < $0.costBefore / 10 } == true)
        #expect(advice.recommendedCost < advice.baselineCost / 10)
        #expect(advice.whatIfCalls > 0)
    }

    @Test func equalityComesBeforeTheRangeInOneIndex() throws {
        let advice = try AdvisorDatabase.advise("""
            SELECT id, total FROM orders WHERE shop_id = 4 AND created_at >= '2026-06-01' AND created_at < '2026-07-01';
            """)
        let definitions = advice.recommendations.map(\.hypotheticalDefinition)
        #expect(definitions.first?.contains("(\"shop_id\", \"created_at\"") == true, "\(definitions)")
    }

    @Test func functionWrappedPredicateGetsAnExpressionIndex() throws {
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 100
            SELECT id FROM customers WHERE lower(email) = 'user42@example.com';
            """)
        let first = try #require(advice.recommendations.first)
        #expect(first.table == "customers")
        #expect(first.hypotheticalDefinition.contains("((lower(email)))"), "\(first.hypotheticalDefinition)")
    }

    @Test func constantConditionThatSelectsFewRowsGetsAPartialIndex() throws {
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 100
            SELECT id, created_at FROM orders WHERE status = 'pending' ORDER BY created_at LIMIT 50;
            """)
        let first = try #require(advice.recommendations.first)
        #expect(first.hypotheticalDefinition.hasSuffix("WHERE \"status\" = 'pending'"), "\(first.hypotheticalDefinition)")
        // A partial index holds 1% of the rows: far smaller than one over the whole table.
        #expect(first.estimatedSizeBytes < 1_000_000)
    }

    @Test func hotQueryReadingTwoColumnsGetsACoveringIndex() throws {
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 100
            SELECT created_at, total FROM orders WHERE created_at >= '2026-03-01' AND created_at < '2026-05-01';
            """)
        let first = try #require(advice.recommendations.first)
        #expect(first.hypotheticalDefinition.contains("\"created_at\""))
        #expect(first.hypotheticalDefinition.contains("\"total\""), "an index-only scan needs total: \(first.hypotheticalDefinition)")
        #expect(first.statements.first?.replaces?.contains("Index Only Scan") == true, "\(String(describing: first.statements.first?.replaces))")
    }

    @Test func aBudgetForOneIndexGetsTheMergedCoveringIndexOfTwoStatements() throws {
        let workload = """
            -- sargable: weight 100
            SELECT created_at, total FROM orders WHERE created_at >= '2026-03-01' AND created_at < '2026-05-01';
            -- sargable: weight 100
            SELECT created_at, shop_id FROM orders WHERE created_at >= '2026-04-01' AND created_at < '2026-06-01';
            """
        // Unlimited, one covering index each is cheapest; a budget that holds one index of three
        // columns but not two of two must end with the merged one serving both.
        let unlimited = try AdvisorDatabase.advise(workload)
        #expect(unlimited.recommendations.count == 2, "\(unlimited.recommendations.map(\.hypotheticalDefinition))")
        let largest = try #require(unlimited.recommendations.map(\.estimatedSizeBytes).max())
        let advice = try AdvisorDatabase.advise(workload) { $0.budgetBytes = largest * 16 / 10 }
        #expect(advice.recommendations.count == 1)
        let first = try #require(advice.recommendations.first)
        #expect(first.hypotheticalDefinition.contains("\"total\"") && first.hypotheticalDefinition.contains("\"shop_id\""),
                "\(advice.recommendations.map(\.hypotheticalDefinition))")
        #expect(first.statements.count == 2)
        #expect(first.statements.allSatisfy { $0.replaces?.hasSuffix("Index Only Scan") == true })
    }

    @Test func aSmallIndexChosenFirstMakesWayForABiggerWinThatOnlyFitsAlone() throws {
        // By benefit per √byte the small customers index comes first; the orders index saves more
        // but no longer fits beside it. Greedy alone would stop at the small one.
        let workload = """
            -- sargable: weight 5
            SELECT count(*) FROM customers WHERE email = $1;
            SELECT count(*) FROM orders WHERE customer_id = $1;
            """
        let unlimited = try AdvisorDatabase.advise(workload)
        let small = try #require(unlimited.recommendations.first { $0.table == "customers" })
        let big = try #require(unlimited.recommendations.first { $0.table == "orders" })
        #expect(small.benefit < big.benefit && small.estimatedSizeBytes < big.estimatedSizeBytes)
        let advice = try AdvisorDatabase.advise(workload) { $0.budgetBytes = big.estimatedSizeBytes + small.estimatedSizeBytes / 2 }
        #expect(advice.recommendations.map(\.hypotheticalDefinition) == [big.hypotheticalDefinition],
                "\(advice.recommendations.map(\.hypotheticalDefinition))")
        #expect(advice.recommendedCost < advice.baselineCost - small.benefit)
    }

    @Test func aRecommendationNeverTakesTheNameOfAnotherIndex() throws {
        // `IF NOT EXISTS` would skip the migration's index without a word if its name were taken.
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 1000
            SELECT count(*) FROM orders WHERE customer_id = $1;
            -- sargable: weight 1000
            SELECT count(*) FROM customers WHERE email = $1;
            """)
        let orders = try #require(advice.recommendations.first { $0.table == "orders" })
        #expect(orders.hypotheticalDefinition.hasSuffix("USING btree (\"customer_id\")"), "\(orders.hypotheticalDefinition)")
        #expect(orders.name == "orders_customer_id_idx1")
        #expect(orders.definition.hasPrefix("CREATE INDEX CONCURRENTLY IF NOT EXISTS \"orders_customer_id_idx1\" ON"))
        let customers = try #require(advice.recommendations.first { $0.table == "customers" })
        #expect(customers.name == "customers_email_idx")
    }

    /// Production servers often preload auto_explain. With a `log_min_duration` it logs plain
    /// EXPLAIN's plans too, cannot name a hypothetical index in them, and so fails every what-if plan.
    @Test func aServerThatPreloadsAutoExplainStillGetsAdvice() throws {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "shared_preload_libraries": "auto_explain", "auto_explain.log_min_duration": "0",
        ]))
        defer { server.stop() }
        let conninfo = try server.createDatabase("explained")
        let connection = try Connection(conninfo)
        try connection.execute("""
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric NOT NULL);
            INSERT INTO orders SELECT i, i % 5000, i % 100 FROM generate_series(1, 100000) AS i;
            CREATE ROLE reader LOGIN;
            GRANT SELECT ON orders TO reader;
            """)
        try connection.execute("VACUUM ANALYZE orders")
        let workload = Workload.from(documents: [SQLDocument(path: "workload.sql", text: "SELECT total FROM orders WHERE customer_id = $1;")])
        let advice = try Advisor(workload: workload, options: AdvisorOptions()) { () throws(PostgresError) in try Connection(conninfo) }.advise()
        #expect(advice.problems.isEmpty, "\(advice.problems)")
        #expect(advice.recommendations.first?.hypotheticalDefinition.contains("(\"customer_id\"") == true,
                "\(advice.recommendations.map(\.hypotheticalDefinition))")
        // A role that may not turn auto_explain off is told why, in one line, before any planning.
        do {
            _ = try Advisor(workload: workload, options: AdvisorOptions()) { () throws(PostgresError) in
                try Connection(conninfo + " user=reader")
            }
            Issue.record("a role that cannot silence auto_explain was not refused")
        } catch {
            #expect("\(error)".contains("auto_explain.log_min_duration = 0"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
    }

    @Test func anExistingIndexOrOneItPrefixesIsNeverRecommendedAgain() throws {
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 1000
            SELECT count(*) FROM archived_orders WHERE customer_id = $1;
            SELECT count(*) FROM archived_orders WHERE customer_id = $1 AND created_at > $2;
            """)
        #expect(advice.recommendations.allSatisfy { $0.table != "archived_orders" },
                "\(advice.recommendations.map { ($0.hypotheticalDefinition, $0.statements.map(\.replaces)) })")
        // The narrower of the two existing indexes is a prefix of the wider one.
        #expect(advice.drops.contains { $0.index == "archived_orders_customer" && $0.reason.contains("prefix") })
    }

    @Test func writeHeavyTableIsNotIndexedForARareRead() throws {
        let workload = """
            -- sargable: weight 200000
            INSERT INTO events (id, account_id, kind, payload) VALUES ($1, $2, $3, $4);
            SELECT id FROM events WHERE account_id = 7;
            """
        let advice = try AdvisorDatabase.advise(workload)
        #expect(advice.recommendations.allSatisfy { $0.table != "events" }, "\(advice.recommendations.map(\.hypotheticalDefinition))")
        #expect(advice.rejectedForWrites.contains { $0.definition.contains("\"events\"") && $0.writeOverhead > $0.readBenefit })
        // Without the writes, the same read gets its index: the writes decided it.
        let readOnly = try AdvisorDatabase.advise("SELECT id FROM events WHERE account_id = 7;")
        #expect(readOnly.recommendations.contains { $0.table == "events" })
    }

    @Test func updatesOfAnIndexedColumnCostTheTableItsHOTUpdates() throws {
        let advice = try AdvisorDatabase.advise("""
            -- sargable: weight 100000
            UPDATE orders SET status = $1 WHERE id = $2;
            SELECT id FROM orders WHERE status = 'pending';
            """)
        #expect(advice.recommendations.allSatisfy { !$0.hypotheticalDefinition.contains("\"status\"") },
                "\(advice.recommendations.map(\.hypotheticalDefinition))")
    }

    @Test func theBudgetIsRespectedAndTheSameInputGivesTheSameAdvice() throws {
        let workload = """
            SELECT id, total FROM orders WHERE customer_id = $1;
            SELECT id FROM customers WHERE lower(email) = 'user7@example.com';
            SELECT created_at, total FROM orders WHERE created_at >= '2026-03-01' AND created_at < '2026-05-01';
            SELECT id FROM customers WHERE region = 'eu' ORDER BY id LIMIT 10;
            """
        let unlimited = try AdvisorDatabase.advise(workload)
        let total = unlimited.recommendations.reduce(0) { $0 + $1.estimatedSizeBytes }
        #expect(unlimited.recommendations.count >= 2)
        let budget = total / 2
        let limited = try AdvisorDatabase.advise(workload) { $0.budgetBytes = budget }
        #expect(limited.recommendations.reduce(0) { $0 + $1.estimatedSizeBytes } <= budget)
        #expect(!limited.recommendations.isEmpty)
        let again = try AdvisorDatabase.advise(workload) { $0.budgetBytes = budget }
        #expect(again.recommendations.map(\.definition) == limited.recommendations.map(\.definition))
        #expect(again.recommendedCost == limited.recommendedCost)
        let one = try AdvisorDatabase.advise(workload) { $0.maxIndexes = 1 }
        #expect(one.recommendations.count == 1)
    }

    @Test func statementsThatCannotBeCostedAreReportedWithTheirOrigin() throws {
        let advice = try AdvisorDatabase.advise("""
            SELECT id FROM no_such_table WHERE x = 1;
            SELECT id, total FROM orders WHERE customer_id = 3;
            """)
        #expect(advice.problems.count == 1)
        #expect(advice.problems.first?.hasPrefix("workload.sql:1:1: not costed:") == true, "\(advice.problems)")
        #expect(advice.statements == 1)
    }

    @Test func verifyMeasuresARealSpeedUpAndDropsWhatItBuilt() throws {
        let conninfo = try AdvisorDatabase.shop.get()
        let workload = Workload.from(documents: [SQLDocument(path: "workload.sql", text: """
            -- sargable: weight 1000
            SELECT id, total FROM orders WHERE customer_id = 1234;
            """)])
        let connect = { () throws(PostgresError) -> Connection in try Connection(conninfo) }
        var advice = try Advisor(workload: workload, connect: connect).advise()
        let recommendation = try #require(advice.recommendations.first)
        try Verifier(connect: connect, runs: 3).verify(&advice, workload: workload, keep: false)
        let verification = try #require(advice.recommendations.first?.verification)
        #expect(verification.pays)
        let measured = try #require(verification.statements.first)
        #expect(measured.usesIndex)
        #expect(measured.speedup > 2, "\(measured)")
        #expect((verification.sizeBytes ?? 0) > 0)
        let left = try Connection(conninfo).query("SELECT 1 FROM pg_class WHERE relname = $1", [recommendation.name]).rows
        #expect(left.isEmpty, "the index --verify built is dropped again")
    }

    @Test func anNPlusOneLoopInARealServerLogGetsItsIndexWithTheLoggedCallsAndParameters() throws {
        // A server that logs every statement with its duration, as a team captures a workload.
        try Self.withLoggedLoop(["log_min_duration_statement": "0"]) { workload, loop, conninfo in
            #expect(loop.parameters?.count == 1, "the logged value of $1 is planned, not the generic plan")
            let advice = try Advisor(workload: workload) { () throws(PostgresError) in try Connection(conninfo) }.advise()
            #expect(advice.unit == "ms")
            let first = try #require(advice.recommendations.first)
            #expect(first.hypotheticalDefinition.contains("(\"customer_id\""), "\(first.hypotheticalDefinition)")
            #expect(first.statements.contains { $0.fingerprint == loop.fingerprint && $0.calls == 150 })
        }
    }

    /// A server with `settings` logs the application's loop: one query per customer, over the
    /// extended protocol, 150 times on 100,000 orders. `body` gets the log's workload, the loop's
    /// family (checked to have its 150 calls) and the database, while the server still runs.
    private static func withLoggedLoop(_ settings: [String: String],
                                       _ body: (Workload, WorkloadStatement, String) throws -> Void) throws {
        let server = try TemporaryPostgres.start(.init(settings: settings))
        defer { server.stop() }
        let conninfo = try server.createDatabase("logged_shop")
        let connection = try Connection(conninfo)
        // One statement per query: auto_explain's Query Text is the whole query string.
        try connection.execute("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric NOT NULL)")
        try connection.execute("INSERT INTO orders SELECT i, 1 + (i * 7919) % 5000, i % 1000 FROM generate_series(1, 100000) AS i")
        try connection.execute("ANALYZE orders")
        for customer in 1 ... 150 {
            _ = try connection.query("SELECT id, total FROM orders WHERE customer_id = $1", [String(customer)])
        }
        let (report, problems) = LogAnalysis.run(paths: [server.serverLogFile])
        #expect(problems.filter { $0.kind == .error }.isEmpty, "\(problems)")
        let workload = Workload.from(report: report, origin: "server.log")
        let loop = try #require(workload.statements.first { $0.text.contains("customer_id = $1") })
        #expect(loop.calls == 150)
        try body(workload, loop, conninfo)
    }
    /// A server that logs nothing but auto_explain's plans: each plan counts as its execution, and
    /// the advice says what the logged plan really did on the table the index serves.
    @Test func aLogOfAutoExplainPlansAloneIsAWorkloadAndItsPlansAreTheEvidence() throws {
        try Self.withLoggedLoop([
            "log_min_duration_statement": "-1", "session_preload_libraries": "auto_explain",
            "auto_explain.log_min_duration": "0", "auto_explain.log_analyze": "on", "auto_explain.log_format": "json",
            "max_parallel_workers_per_gather": "0",
        ]) { workload, loop, conninfo in
            #expect((loop.totalMs ?? 0) > 0)
            #expect(loop.loggedPlan != nil)
            let advice = try Advisor(workload: workload) { () throws(PostgresError) in try Connection(conninfo) }.advise()
            #expect(advice.problems.isEmpty, "\(advice.problems)")
            let served = try #require(advice.recommendations.first?.statements.first { $0.fingerprint == loop.fingerprint })
            let logged = try #require(served.logged)
            #expect(logged.node == "Seq Scan on orders")
            // 20 orders per customer: the scan read all 100,000 to keep them.
            #expect(logged.rows == 20)
            #expect(logged.rowsRemovedByFilter == 99_980)
            #expect((logged.milliseconds ?? 0) > 0)
        }
    }

    @Test func aFamilyLoggedWithSeveralValuesIsPlannedWithTheCostliest() throws {
        let server = try TemporaryPostgres.start(.init(settings: ["log_min_duration_statement": "0"]))
        defer { server.stop() }
        let conninfo = try server.createDatabase("skewed_shop")
        let connection = try Connection(conninfo)
        try connection.execute("""
            CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL, total numeric NOT NULL);
            INSERT INTO orders SELECT i, CASE WHEN i % 100 = 0 THEN 'pending' ELSE 'done' END, i % 997
                FROM generate_series(1, 200000) AS i;
            """)
        try connection.execute("VACUUM ANALYZE orders")
        let query = "SELECT id, total FROM orders WHERE status = $1 ORDER BY total LIMIT 50"
        for _ in 1 ... 60 { _ = try connection.query(query, ["pending"]) }
        func advice() throws -> (Advice, WorkloadStatement) {
            let (report, _) = LogAnalysis.run(paths: [server.serverLogFile])
            let advisor = try Advisor(workload: Workload.from(report: report, origin: "server.log")) { () throws(PostgresError) in
                try Connection(conninfo)
            }
            let family = try #require(advisor.workload.statements.first { $0.text.contains("status = $1") })
            return (advisor.advise(), family)
        }
        // The rare value alone: an index on status pays.
        let (rare, rareFamily) = try advice()
        #expect(rareFamily.parameterSamples.count == 1)
        #expect(rare.recommendations.contains { $0.hypotheticalDefinition.contains("\"status\"") },
                "\(rare.recommendations.map(\.hypotheticalDefinition))")
        // The common value too, a few times: its plan (sort 99% of the table) is the costlier, and
        // for it the scan stays; the advice must not be built for the cheap case only.
        for _ in 1 ... 3 { _ = try connection.query(query, ["done"]) }
        let (mixed, mixedFamily) = try advice()
        #expect(Set(mixedFamily.parameterSamples.compactMap { $0.first ?? nil }) == ["pending", "done"])
        #expect(mixedFamily.parameters == ["done"], "planned with the costlier values, whichever ran slower")
        #expect(mixed.notes.contains { $0.contains("several sets of values") }, "\(mixed.notes)")
        #expect(!mixed.recommendations.contains { $0.hypotheticalDefinition.contains("(\"status\")") && !$0.hypotheticalDefinition.contains("total") },
                "\(mixed.recommendations.map(\.hypotheticalDefinition))")
    }
    @Test func writesTheLogLeftOutStillChargeTheTableTheyWentTo() throws {
        // A log of reads only, as `log_min_duration_statement` leaves fast INSERTs out; the table's
        // own counters saw the writes.
        let server = try TemporaryPostgres.start(.init(settings: ["log_min_duration_statement": "0"]))
        defer { server.stop() }
        let conninfo = try server.createDatabase("feed_shop")
        func inserted(_ table: String) throws -> Int {
            try Connection(conninfo).query("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = $1", [table])
                .rows.first?.int("n_tup_ins") ?? 0
        }
        // Backends report their counters when they end or every second: load, wait, reset.
        do {
            let setup = try Connection(conninfo)
            try setup.execute("""
            SET log_min_duration_statement = -1;
            CREATE TABLE feed (id bigint, account_id int NOT NULL, payload text);
            CREATE TABLE ledger (id bigint, account_id int NOT NULL, payload text);
            INSERT INTO feed SELECT i, i % 1000, md5(i::text) FROM generate_series(1, 100000) AS i;
            INSERT INTO ledger SELECT i, i % 1000, md5(i::text) FROM generate_series(1, 100000) AS i;
            """)
            try setup.execute("VACUUM ANALYZE")
        }
        for _ in 0 ..< 50 where try inserted("ledger") < 100_000 { usleep(100_000) }
        _ = try Connection(conninfo).query("SELECT pg_stat_reset()")
        #expect(try inserted("ledger") == 0)
        let reader = try Connection(conninfo)
        let reads = ["SELECT count(*) FROM feed WHERE account_id = $1", "SELECT count(*) FROM ledger WHERE account_id = $1"]
        for read in reads { _ = try reader.query(read, ["7"]) }
        do {
            // Closed at the end of the scope, which reports its counters.
            let writer = try Connection(conninfo)
            try writer.execute("SET log_min_duration_statement = -1")
            for batch in 0 ..< 20 {
                try writer.execute("INSERT INTO feed SELECT i, i % 1000, 'x' FROM generate_series(\(batch * 20000), \(batch * 20000 + 19999)) AS i")
            }
        }
        for _ in 0 ..< 50 where try inserted("feed") < 400_000 { usleep(100_000) }
        #expect(try inserted("feed") == 400_000)
        #expect(try inserted("ledger") == 0)
        for read in reads { _ = try reader.query(read, ["8"]) }

        let (report, _) = LogAnalysis.run(paths: [server.serverLogFile])
        let workload = Workload.from(report: report, origin: "server.log")
        #expect(!workload.statements.contains { $0.text.contains("INSERT") }, "the writes are not in the log")
        let window = try #require(workload.windowSeconds)
        #expect(window > 0)
        let advice = try Advisor(workload: workload) { () throws(PostgresError) in try Connection(conninfo) }.advise()
        let tables = advice.recommendations.map(\.table)
        #expect(tables.contains("public.ledger") || tables.contains("ledger"), "\(advice.recommendations.map(\.hypotheticalDefinition))")
        #expect(!advice.recommendations.contains { $0.table.hasSuffix("feed") }, "\(advice.recommendations.map(\.hypotheticalDefinition))")
        #expect(advice.rejectedForWrites.contains { $0.definition.contains("\"feed\"") && $0.writeOverhead > $0.readBenefit },
                "\(advice.rejectedForWrites)")
    }
}
