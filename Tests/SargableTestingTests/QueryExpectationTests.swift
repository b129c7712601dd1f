import SargablePostgres
import SargableTesting
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct QueryExpectationTests {
    /// One select for the user, then one per order of theirs: the loop tests are about.
    static func ordersOneByOne(_ app: Connection, user: Int = 7) throws {
        let ids = try app.query("SELECT id FROM orders WHERE user_id = $1 ORDER BY id", [String(user)]).rows.compactMap { $0["id"] }
        for id in ids { try app.query("SELECT total_cents FROM orders WHERE id = $1", [id]) }
    }

    @Test func countsWithinTheLimitPass() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try await database.expectQueries(.atMost(3), .select, on: "orders") {
                try app.query("SELECT id FROM orders WHERE user_id = $1", ["1"])
                try app.execute("UPDATE users SET email = 'a' WHERE id = 1")
            }
            try await database.expectQueries(.exactly(1), .update) { try app.execute("UPDATE users SET email = 'b' WHERE id = 1") }
            try await database.expectQueries(.range(1 ... 2)) { try app.execute("SELECT 1 FROM users LIMIT 1") }
            try await database.expectNoQueries {}
            #expect(reporter.failures.isEmpty)
        }
    }

    @Test func tooManySaysHowManyByShapeAndHowToFix() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            let line = #line + 1
            let capture = try await database.expectQueries(.atMost(3), .select, on: "orders") {
                try app.query("SELECT email FROM users WHERE id = $1", ["7"])
                try Self.ordersOneByOne(app)
            }
            #expect(capture.matching(.select, on: "orders").count == 21)
            let failure = try #require(reporter.failures.first)
            #expect(reporter.failures.count == 1)
            #expect(failure.site.line == line)
            #expect(failure.site.fileID.hasSuffix("QueryExpectationTests.swift"))
            #expect(failure.message == """
                expected at most 3 selects on orders, but 21 ran
                counted (21):
                  20 × SELECT total_cents FROM orders WHERE id = $1
                  1 × SELECT id FROM orders WHERE user_id = $1 ORDER BY id
                also ran (1, not counted):
                  1 × SELECT email FROM users WHERE id = $1
                help: 20 of them are one shape with different parameters: fetch the rows in one query: `= ANY($1)` with an array of the keys, or join orders to the query that produced them
                """)
        }
    }

    @Test func exactCountsIgnoreTransactionControlButSayWhatWasLeftOut() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try await database.expectQueries(.exactly(2), .insert) {
                try app.execute("BEGIN")
                try app.execute("INSERT INTO users VALUES (5001, 'a@example.com')")
                try app.execute("COMMIT")
            }
            #expect(reporter.failures.map(\.message) == ["""
                expected exactly 2 inserts, but 1 ran
                counted (1):
                  1 × INSERT INTO users VALUES ($1, $2)
                left out: 2 transaction control (CaptureOptions counts them)
                help: if the block now needs these statements, change the expected count (exactly 2); the capture returned shows each statement
                """])
        }
    }

    @Test func expectNoQueriesListsWhatRan() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try await database.expectNoQueries { try app.execute("SELECT count(*) FROM users") }
            #expect(reporter.failures.map(\.message) == ["""
                expected no statements, but 1 ran
                counted (1):
                  1 × SELECT count(*) FROM users
                help: if the block now needs these statements, change the expected count (exactly 0); the capture returned shows each statement
                """])
        }
    }

    @Test func nothingCapturedIsItsOwnFailure() async throws {
        try await withShop { database, reporter in
            let elsewhere = try TestDatabase.create(shop, label: "elsewhere", reporter: CollectingReporter())
            defer { elsewhere.finish(passed: true) }
            // The code under test is wired to the wrong database.
            try await database.expectQueries(.exactly(1)) { try application(elsewhere).execute("SELECT count(*) FROM users") }
            #expect(reporter.failures.map(\.message) == [
                "No statement was captured: the block ran no SQL on the test database \(database.name); is the code under test "
                    + "connected to it? (TestDatabase.current?.connectionString is \(database.connectionString))",
            ])
        }
    }
}
