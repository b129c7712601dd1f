import SargablePostgres
import SargableTesting
import XCTest

/// The XCTest helper: the same fixture and expectations, failures through XCTest.
final class XCTestHelperTests: XCTestCase {
    /// Failures recorded while `intercepting`, instead of failing this test: the failing path
    /// of the helper is tested through the same call XCTFail makes.
    private var intercepting = false
    private var intercepted: [(description: String, file: String, line: Int)] = []

    override func recordFailure(withDescription description: String, inFile filePath: String, atLine lineNumber: Int, expected: Bool) {
        guard intercepting else {
            return super.recordFailure(withDescription: description, inFile: filePath, atLine: lineNumber, expected: expected)
        }
        intercepted.append((description, filePath, lineNumber))
    }

    func testAFailedExpectationIsAnXCTestFailureAtItsLineAndKeepsTheDatabase() async throws {
        try XCTSkipUnless(TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed")
        var database: TestDatabase?
        intercepting = true
        let line = #line + 3
        try await withTestDatabase(sql: ["CREATE TABLE notes (id int PRIMARY KEY, body text)"]) { db in
            database = db
            try await db.expectNoQueries { try Connection(db.connectionString).execute("SELECT body FROM notes") }
        }
        intercepting = false
        XCTAssertEqual(intercepted.map(\.line), [line])
        XCTAssertEqual(intercepted.first?.file, #filePath)
        XCTAssertEqual(intercepted.first?.description.split(separator: "\n").first, "expected no statements, but 1 ran")
        let name = try XCTUnwrap(database?.name)
        let admin = try Connection(TestCluster.shared().connectionString())
        XCTAssertEqual(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.count, 1)
        database?.drop()
    }

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
