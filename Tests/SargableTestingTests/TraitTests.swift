import Foundation
import SargablePostgres
import SargableTesting
import Testing

/// The trait as users write it: migrations and seed relative to this file, a database per test.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"),
       .postgres(migrations: "Fixtures/Migrations", seed: "Fixtures/seed.sql"))
struct TraitTests {
    @Test func eachTestHasItsOwnDatabaseWithMigrationsAndSeed() async throws {
        let database = try TestDatabase.require()
        #expect(database.name.hasPrefix("sargable_test_eachtesthasitsowndatabase"))
        let app = try Connection(database.connectionString)
        #expect(try app.query("SELECT count(*) AS n FROM books").rows.first?.int("n") == 10000)
        try app.execute("DELETE FROM books WHERE author_id = 1")
        try await expectQueries(.exactly(1), .select, on: "books") {
            try app.query("SELECT title FROM books WHERE author_id = $1", ["2"])
        }
        try expectPlan(of: "SELECT title FROM books WHERE author_id = $1", parameters: ["2"]) { plan in
            plan.uses(index: "books_author_id_idx")
        }
    }

    @Test(arguments: [1, 2]) func parameterizedCasesGetADatabaseEach(author: Int) async throws {
        let database = try TestDatabase.require()
        let app = try Connection(database.connectionString)
        // Each case deletes one author's books; the other case still sees all 10000.
        #expect(try app.query("SELECT count(*) AS n FROM books").rows.first?.int("n") == 10000)
        try app.query("DELETE FROM books WHERE author_id = $1", [String(author)])
    }

    @Test func failuresAreIssuesAtTheExpectationsLine() async throws {
        let app = try Connection(TestDatabase.require().connectionString)
        let line = #line + 2
        try await withKnownIssue {
            try await expectNoNPlusOne {
                for id in 1 ... 5 { try app.query("SELECT title FROM books WHERE author_id = $1", [String(id)]) }
            }
        } matching: { issue in
            issue.sourceLocation?.line == line && issue.sourceLocation?.fileID.hasSuffix("TraitTests.swift") == true
                && issue.comments.map(\.rawValue).joined().hasPrefix("expected no N+1 queries, but the same select on books ran 5 times")
        }
        // A failed expectation keeps the database for a look; this test drops it itself.
        try TestDatabase.require().drop()
    }

    @Test func aCostTieIsAWarningIssue() throws {
        let database = try TestDatabase.require()
        try database.execute("CREATE INDEX books_author_id_again ON books (author_id)")
        try database.execute("ANALYZE books")
        let sql = "SELECT title FROM books WHERE author_id = 3"
        let chosen = try expectPlan(of: sql) { _ in }.plan.nodes.compactMap(\.indexName).first
        let other = chosen == "books_author_id_idx" ? "books_author_id_again" : "books_author_id_idx"
        try withKnownIssue {
            try expectPlan(of: sql) { plan in plan.uses(index: other) }
        } matching: { issue in
            issue.severity == .warning && issue.comments.map(\.rawValue).joined().hasPrefix("cost tie: expected the plan to use index \(other)")
        }
    }
}

@Suite struct WithoutTraitTests {
    @Test func noDatabaseIsAClearError() {
        #expect(TestDatabase.current == nil)
        #expect { try TestDatabase.require() } throws: { error in
            "\(error)" == "no test database: add .postgres(migrations: …) to the suite or test, or use withTestDatabase { db in … }"
        }
    }
}
