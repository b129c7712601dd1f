import SargablePostgres
import SargableTesting
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct CaptureTests {
    @Test func capturesWhatAnotherClientRanWithItsParameters() async throws {
        try await withShop { database, _ in
            let app = try application(database)
            let capture = try await database.capture {
                try app.query("SELECT id FROM orders WHERE user_id = $1", ["7"])
                try app.execute("UPDATE users SET email = 'x' WHERE id = 1")
            }
            #expect(capture.statements.map(\.text) == ["SELECT id FROM orders WHERE user_id = $1", "UPDATE users SET email = 'x' WHERE id = 1"])
            #expect(capture.statements.map(\.kind) == [.select, .update])
            #expect(capture.statements.first?.parameters == "$1 = '7'")
            #expect(capture.statements.first?.relations == ["orders"])
            #expect(capture.statements.last?.shape == "UPDATE users SET email = $1 WHERE id = $2")
        }
    }

    @Test func leavesOutTransactionControlSetUpAndCatalogUnlessAsked() async throws {
        try await withShop { database, _ in
            let app = try application(database)
            let work = {
                try app.execute("BEGIN")
                try app.execute("SAVEPOINT s1")
                try app.execute("SET LOCAL statement_timeout = '5s'")
                try app.execute("SELECT version()")
                try app.execute("SELECT typname FROM pg_catalog.pg_type WHERE oid = 23")
                try app.execute("SELECT count(*) FROM orders")
                try app.execute("RELEASE SAVEPOINT s1")
                try app.execute("COMMIT")
            }
            let capture = try await database.capture { try work() }
            #expect(capture.statements.map(\.text) == ["SELECT count(*) FROM orders"])
            #expect(capture.excluded.map(\.category) == [.transactionControl, .transactionControl, .connectionSetup, .connectionSetup,
                                                         .catalog, .transactionControl, .transactionControl])
            let everything = try await database.capture(options: .everything) { try work() }
            #expect(everything.statements.count == 8)
            #expect(everything.excluded.isEmpty)
        }
    }

    @Test func sargablesOwnConnectionAndOtherDatabasesAreNotCaptured() async throws {
        try await withShop { database, _ in
            let neighbour = try TestDatabase.create(shop, label: "neighbour", reporter: CollectingReporter())
            defer { neighbour.finish(passed: true) }
            let capture = try await database.capture {
                try database.execute("SELECT count(*) FROM users")
                try application(neighbour).execute("SELECT count(*) FROM users")
            }
            #expect(capture.statements.isEmpty)
            #expect(capture.excluded.isEmpty)
        }
    }

    @Test func errorsAreCapturedButNotCounted() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            let capture = try await database.expectQueries(.exactly(1)) {
                _ = try? app.execute("SELECT no_such_column FROM users")
                try app.execute("SELECT 1 FROM users LIMIT 1")
            }
            #expect(capture.statements.map(\.isError) == [true, false])
            #expect(reporter.failures.isEmpty)
        }
    }
}

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct LoggedPlanTests {
    @Test func withLogPlansCapturedStatementsCarryWhatRan() async throws {
        let database = try TestDatabase.create(shop, label: "plans", logPlans: true, reporter: CollectingReporter())
        defer { database.drop() }
        let app = try application(database)
        let capture = try await database.capture {
            try app.query("SELECT id FROM orders WHERE user_id = $1", ["7"])
            try app.execute("SELECT count(*) FROM users WHERE email LIKE '%9@example.com'")
        }
        #expect(capture.statements.count == 2)
        let plans = capture.statements.map(\.explainPlan)
        #expect(plans[0]?.nodes.contains { $0.indexName == "orders_user_id_idx" } == true)
        let scan = try #require(plans[1]?.nodes.first { $0.nodeType == .seqScan })
        #expect(scan.relationName == "users")
        // Executed: auto_explain logged actual rows (100 of the 1000 emails end in 9).
        #expect(scan.actualRows == 100)
    }
}
