import SargablePlan
import SargablePostgres
import SargableRules
import SargableTesting
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct PlanTests {
    @Test func anIndexedLookupPassesForTheValuesAndTheGenericPlan() async throws {
        try await withShop { database, reporter in
            var checked: [String?] = []
            let collected = try database.expectPlan(of: "SELECT * FROM orders WHERE user_id = $1", parameters: ["7"]) { plan in
                checked.append(plan.label)
                #expect(plan.uses(index: "orders_user_id_idx"))
                #expect(plan.indexBacked(on: "orders"))
                #expect(plan.noSeqScan(on: "orders"))
                #expect(plan.estimatedRows(on: "orders", atMost: 100))
                #expect(plan.totalCost(atMost: 500))
                #expect(plan.noSortSpill() == (plan.label == nil))
            }
            #expect(checked == [nil, "generic plan"])
            #expect(collected.executed)
            #expect(collected.parameters == .values)
            // The generic plan is only planned: noSortSpill cannot judge it.
            #expect(reporter.failures.map(\.message) == ["""
                generic plan: noSortSpill needs an executed plan, but this one was only planned
                help: explain with analyze: true (writes are only planned)
                """])
        }
    }

    @Test func aSeqScanWhereAnIndexWasExpectedShowsThePlanAndStatistics() async throws {
        try await withShop { database, reporter in
            let line = #line + 1
            try database.expectPlan(of: "SELECT * FROM orders WHERE total_cents = 70") { plan in
                #expect(!plan.indexBacked(on: "orders"))
            }
            let failure = try #require(reporter.failures.first)
            #expect(failure.severity == .failure)
            #expect(failure.site.line == line)
            let lines = failure.message.split(separator: "\n").map(String.init)
            #expect(lines[0] == "expected orders to be read through an index, but it is read by Seq Scan on orders")
            #expect(lines[1].hasPrefix("with enable_seqscan = off the planner still does not satisfy this (cost "))
            #expect(lines[2] == "plan (estimated vs actual rows; → marks the node):")
            #expect(lines[3].hasPrefix("  → Seq Scan on orders  (estimated 2 rows, actual 2 rows × 1 loop; cost 0.00.."))
            #expect(lines.contains("        Filter: (total_cents = 70)"))
            #expect(lines.contains("        Rows Removed by Filter: 19998"))
            #expect(lines.contains("statistics: orders has 20000 rows in 170 pages (pg_class.reltuples), with column statistics (pg_statistic)"))
            #expect(lines.last == "help: if no index covers the filter, create one; with few rows a Seq Scan is the right plan: "
                + "seed enough rows and ANALYZE, or assert indexUsable(on: \"orders\")")
            #expect(failure.attachments.first?.name == "plan.json")
        }
    }

    @Test func twoEqualIndexesAreACostTieNotAFailure() async throws {
        try await withShop { database, reporter in
            try database.execute("CREATE TABLE pairs (a int, b int)")
            try database.execute("INSERT INTO pairs SELECT g % 1000, g FROM generate_series(1, 10000) g")
            try database.execute("CREATE INDEX pairs_a_one ON pairs (a)")
            try database.execute("CREATE INDEX pairs_a_two ON pairs (a)")
            try database.execute("ANALYZE pairs")
            let sql = "SELECT * FROM pairs WHERE a = 5"
            let chosen = try database.expectPlan(of: sql) { _ in }.plan.nodes.compactMap(\.indexName).first
            let other = chosen == "pairs_a_one" ? "pairs_a_two" : "pairs_a_one"
            try #require(chosen != nil)
            try database.expectPlan(of: sql) { plan in _ = plan.uses(index: other) }
            let failure = try #require(reporter.failures.first)
            #expect(failure.severity == .warning)
            let lines = failure.message.split(separator: "\n").map(String.init)
            #expect(lines[0].hasPrefix("cost tie: expected the plan to use index \(other), but pairs is read by "))
            #expect(lines[1].hasPrefix("with \(chosen!) hidden the planner satisfies this at cost "))
            #expect(lines[1].hasSuffix("within its 1% fuzz: which one it picks is arbitrary; make the data decide (more rows, ANALYZE) or assert indexUsable(on:)"))
            #expect(database.failures == 0)
        }
    }

    @Test func tinyTablesGetSeqScansButTheIndexIsUsable() async throws {
        try await withShop { database, reporter in
            try database.execute("CREATE TABLE tiny (id int PRIMARY KEY, v int)")
            try database.execute("INSERT INTO tiny VALUES (1, 1), (2, 2), (3, 3)")
            try database.execute("ANALYZE tiny")
            try database.expectPlan(of: "SELECT * FROM tiny WHERE id = 2") { plan in
                #expect(plan.nodes(on: "tiny").map(\.nodeType) == [.seqScan])
                #expect(plan.indexUsable(on: "tiny"))
            }
            #expect(reporter.failures.isEmpty)
            try database.expectPlan(of: "SELECT * FROM tiny WHERE v = 2") { plan in _ = plan.indexUsable(on: "tiny") }
            #expect(reporter.failures.map(\.message).first?.split(separator: "\n").first
                == "expected an index to be usable on tiny, but even with enable_seqscan = off the planner reads it by Seq Scan on tiny")
        }
    }

    @Test func failingMatchersSayWhatTheyFound() async throws {
        try await withShop { database, reporter in
            try database.execute("ALTER DATABASE \(Connection.quoteIdentifier(database.name)) SET work_mem = '64kB'")
            try database.expectPlan(of: "SELECT * FROM orders WHERE total_cents > 100 ORDER BY note, total_cents") { plan in
                _ = plan.noSortSpill()
                _ = plan.estimatedRows(on: "orders", atMost: 100)
                _ = plan.totalCost(atMost: 10)
                _ = plan.noSeqScan(on: "orders")
                _ = plan.uses(index: "no_such_index")
                _ = plan.uses(index: "orders_user_id_idx")
            }
            let firstLines = reporter.failures.map { String($0.message.split(separator: "\n")[0]) }
            #expect(firstLines.count == 6)
            #expect(firstLines[0].hasPrefix("expected no sort to spill to disk, but Sort used external merge with "))
            #expect(firstLines[1].hasPrefix("expected at most 100 estimated rows on orders, but Seq Scan on orders expects 19"))
            #expect(firstLines[2].hasPrefix("expected a total cost of at most 10.00, but the plan costs "))
            #expect(firstLines[3] == "expected no Seq Scan on orders, but the plan has Seq Scan on orders")
            #expect(firstLines[4] == "expected the plan to use index no_such_index, but there is no index no_such_index")
            #expect(firstLines[5] == "expected the plan to use index orders_user_id_idx, but orders is read by Seq Scan on orders")
            #expect(reporter.failures.allSatisfy { $0.severity == .failure })
            #expect(reporter.failures[0].message.contains("help: give the query more work_mem"))
        }
    }

    @Test func aPlanInsightRuleCanBeAssertedAbsent() async throws {
        try await withShop { database, reporter in
            try database.expectPlan(of: "SELECT * FROM orders WHERE user_id = 7") { plan in
                #expect(plan.noFindings(PlanSeqScanFilter.self))
            }
            try database.expectPlan(of: "SELECT * FROM orders WHERE total_cents = 70") { plan in
                #expect(!plan.noFindings(PlanSeqScanFilter.self))
            }
            let lines = try #require(reporter.failures.first).message.split(separator: "\n").map(String.init)
            #expect(lines.first == "expected no plan-seq-scan-filter finding, but seq scan on orders reads 20000 rows per loop "
                + "and its filter on total_cents removes 100.0% of them")
            #expect(lines.last == "help: create an index on orders (total_cents) matching the filter (total_cents = 70)")
        }
    }

    @Test func seedingGivesTheTableTheSizeWhereItsIndexIsChosen() async throws {
        try await withShop { database, reporter in
            try database.execute("CREATE TABLE events (id int, kind int, payload text)")
            try database.execute("CREATE INDEX events_kind_idx ON events (kind)")
            try database.seed("events", rows: 3, ["id": "g", "kind": "g"])
            let sql = "SELECT * FROM events WHERE kind = 2"
            try database.expectPlan(of: sql) { plan in #expect(plan.nodes(on: "events").map(\.nodeType) == [.seqScan]) }
            try database.seed("events", rows: 20_000, ["id": "g", "kind": "g % 2000", "payload": "repeat('x', 20)"])
            try database.expectPlan(of: sql) { plan in #expect(plan.uses(index: "events_kind_idx")) }
            #expect(reporter.failures.isEmpty)
            #expect { try database.seed("events", rows: 1, ["no_such_column": "g"]) } throws: { error in
                "\(error)".hasPrefix("seed(events) failed: column \"no_such_column\" of relation \"events\" does not exist")
            }
        }
    }
}
