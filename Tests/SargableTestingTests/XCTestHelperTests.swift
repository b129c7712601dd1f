import SargablePostgres
import SargableTesting
import XCTest

/// The XCTest helper: the same fixture and expectations, failures through XCTest.
final class XCTestHelperTests: XCTestCase {
    func testADatabaseWithMigrationsAndAPassingExpectation() async throws {
        try XCTSkipUnless(TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed")
        var name = ""
        try await withTestDatabase(sql: ["CREATE TABLE notes (id int PRIMARY KEY, body text)", "INSERT INTO notes VALUES (1, 'a'), (2, 'b')"]) { db in
            name = db.name
            XCTAssertTrue(TestDatabase.current === db)
            let app = try Connection(db.connectionString)
            try await db.expectQueries(.exactly(1), .select, on: "notes") { try app.execute("SELECT body FROM notes") }
        }
        // Passed: the database is gone.
        let admin = try Connection(TestCluster.shared().connectionString())
        XCTAssertTrue(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty)
    }
}
