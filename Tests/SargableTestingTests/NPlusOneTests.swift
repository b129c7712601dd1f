import SargablePostgres
import SargableTesting
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct NPlusOneTests {
    @Test func aLoopOfSelectsFailsWithTheAnalyzersFinding() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try await database.expectNoNPlusOne { try QueryExpectationTests.ordersOneByOne(app) }
            let message = try #require(reporter.failures.first?.message)
            let lines = message.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("expected no N+1 queries, but the same select on orders ran 20 times in one session with different parameters (") == true)
            #expect(Array(lines.dropFirst()) == [
                "statements (by shape):",
                "  20 × SELECT total_cents FROM orders WHERE id = $1",
                "  1 × SELECT id FROM orders WHERE user_id = $1 ORDER BY id",
                "each after: SELECT id FROM orders WHERE user_id = $1 ORDER BY id",
                "help: fetch the rows in one query: `= ANY($1)` with an array of the keys, or join orders to the query that produced them",
            ])
        }
    }

    @Test func oneQueryForAllRowsPasses() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            let capture = try await database.expectNoNPlusOne {
                let ids = try app.query("SELECT id FROM orders WHERE user_id = $1", ["7"]).rows.compactMap { $0["id"] }
                try app.query("SELECT total_cents FROM orders WHERE id = ANY($1)", ["{\(ids.joined(separator: ","))}"])
            }
            #expect(capture.statements.count == 2)
            #expect(reporter.failures.isEmpty)
        }
    }

    @Test func theSameParametersAgainAreNotNPlusOne() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try await database.expectNoNPlusOne {
                for _ in 0 ..< 5 { try app.query("SELECT email FROM users WHERE id = $1", ["1"]) }
            }
            #expect(reporter.failures.isEmpty)
        }
    }

    @Test func nothingCaptured() async throws {
        try await withShop { database, reporter in
            try await database.expectNoNPlusOne {}
            #expect(reporter.failures.first?.message.hasPrefix("No statement was captured: ") == true)
        }
    }

    @Test func constantQueriesFailWhenAShapeGrowsWithTheData() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try database.execute("CREATE TABLE tags (id serial PRIMARY KEY, name text)")
            try await database.expectConstantQueries(scales: [2, 5], populate: { n in
                try database.execute("TRUNCATE tags")
                try database.execute("INSERT INTO tags (name) SELECT 'tag' || g FROM generate_series(1, \(n)) g")
            }) {
                let ids = try app.query("SELECT id FROM tags ORDER BY id").rows.compactMap { $0["id"] }
                for id in ids { try app.query("SELECT name FROM tags WHERE id = $1", [id]) }
            }
            #expect(reporter.failures.map(\.message) == ["""
                expected the number of statements not to grow with the data, but 1 shape ran more often at a larger scale:
                  SELECT name FROM tags WHERE id = $1
                    2 at scale 2, 5 at scale 5
                totals: scale 2: 3 statements, scale 5: 6 statements
                help: fetch the rows in one query: `= ANY($1)` with an array of the keys, or join tags to the query that produced them
                """])
        }
    }

    @Test func constantQueriesPassWhenOneQueryServesAnyScale() async throws {
        try await withShop { database, reporter in
            let app = try application(database)
            try database.execute("CREATE TABLE tags (id serial PRIMARY KEY, name text)")
            let captures = try await database.expectConstantQueries(scales: [1, 4], populate: { n in
                try database.execute("INSERT INTO tags (name) SELECT 'tag' FROM generate_series(1, \(n)) g")
            }) {
                try app.query("SELECT id, name FROM tags ORDER BY id")
            }
            #expect(captures.map(\.statements.count) == [1, 1])
            #expect(reporter.failures.isEmpty)
        }
    }
}
