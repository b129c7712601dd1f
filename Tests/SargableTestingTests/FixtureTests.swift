import Foundation
import SargablePostgres
import SargableTesting
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct FixtureTests {
    @Test func eachTestGetsItsOwnCopyOfTheTemplate() async throws {
        let first = try TestDatabase.create(shop, label: "a", reporter: CollectingReporter())
        let second = try TestDatabase.create(shop, label: "b", reporter: CollectingReporter())
        defer { first.finish(passed: true); second.finish(passed: true) }
        #expect(first.name != second.name)
        try application(first).execute("DELETE FROM orders")
        #expect(try application(first).query("SELECT count(*) AS n FROM orders").rows.first?.int("n") == 0)
        #expect(try application(second).query("SELECT count(*) AS n FROM orders").rows.first?.int("n") == 20000)
        // Both came from one template, loaded once for this content.
        let templates = try first.query("SELECT datname FROM pg_database WHERE datname LIKE 'sargable_template_%' AND datname NOT LIKE '%_loading_%'")
        #expect(templates.rows.count == Set(templates.rows.compactMap { $0["datname"] }).count)
        let key = try #require(templates.rows.compactMap { $0["datname"] }.first)
        #expect(try TestCluster.shared().connectionString().isEmpty == false)
        #expect(key.hasPrefix("sargable_template_"))
    }

    @Test func aPassingTestsDatabaseIsDroppedAFailingOneKept() throws {
        let passed = try TestDatabase.create(shop, label: "pass", reporter: CollectingReporter())
        let failed = try TestDatabase.create(shop, label: "fail", reporter: CollectingReporter())
        #expect(passed.finish(passed: true) == nil)
        let message = try #require(failed.finish(passed: false))
        #expect(message.hasPrefix("sargable: kept test database \(failed.name): postgresql://"))
        let admin = try Connection(TestCluster.shared().connectionString())
        let names = try admin.query("SELECT datname FROM pg_database WHERE datname = ANY($1)", ["{\(passed.name),\(failed.name)}"])
            .rows.compactMap { $0["datname"] }
        #expect(names == [failed.name])
        try admin.execute("DROP DATABASE \(Connection.quoteIdentifier(failed.name)) WITH (FORCE)")
        // The printed URL connects (libpq reads the socket directory from host=).
        #expect(message.contains("?host=%2F"))
    }

    @Test func aFailedExpectationKeepsTheDatabase() async throws {
        let reporter = CollectingReporter()
        let database = try TestDatabase.create(shop, label: "expect", reporter: reporter)
        try await database.expectNoQueries { try application(database).execute("SELECT 1 FROM users LIMIT 1") }
        #expect(reporter.failures.count == 1)
        #expect(database.finish(passed: true) != nil)
        _ = try Connection(TestCluster.shared().connectionString()).execute("DROP DATABASE \(Connection.quoteIdentifier(database.name)) WITH (FORCE)")
    }

    @Test func changedSetupMakesANewTemplateAndABrokenOneSaysWhere() throws {
        let other = DatabaseSetup(sql: ["CREATE TABLE t (id int)"])
        let database = try TestDatabase.create(other, reporter: CollectingReporter())
        defer { database.finish(passed: true) }
        #expect(try database.query("SELECT count(*) AS n FROM pg_class WHERE relname = 't'").rows.first?.int("n") == 1)
        let broken = DatabaseSetup(sql: ["CREATE TABLE ok (id int); CREATE TABLE ok (id int)"])
        #expect { try TestDatabase.create(broken, reporter: CollectingReporter()) } throws: { error in
            "\(error)".hasPrefix("inline SQL: statement 2 failed:") && "\(error)".contains("already exists")
        }
        #expect { try TestDatabase.create(DatabaseSetup(migrations: ["/nonexistent/migrations"]), reporter: CollectingReporter()) } throws: { error in
            "\(error)" == "/nonexistent/migrations: no such file or directory"
        }
    }

    @Test func migrationDirectoriesRunInNameOrder() throws {
        let directory = NSTemporaryDirectory() + "sargable-migrations-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "ALTER TABLE a ADD COLUMN b int;".write(toFile: directory + "/002_b.sql", atomically: true, encoding: .utf8)
        try "CREATE TABLE a (id int);".write(toFile: directory + "/001_a.sql", atomically: true, encoding: .utf8)
        try "not sql".write(toFile: directory + "/README.md", atomically: true, encoding: .utf8)
        let database = try TestDatabase.create(DatabaseSetup(migrations: [directory]), reporter: CollectingReporter())
        defer { database.finish(passed: true) }
        let columns = try database.query("SELECT attname FROM pg_attribute WHERE attrelid = 'a'::regclass AND attnum > 0 ORDER BY attnum")
        #expect(columns.rows.compactMap { $0["attname"] } == ["id", "b"])
    }

    @Test func aTestThatThrowsKeepsItsDatabase() async throws {
        struct Failure: Error {}
        var name = ""
        await #expect(throws: Failure.self) {
            try await TestDatabase.with(shop, label: "throws", reporter: CollectingReporter()) { database in
                name = database.name
                #expect(TestDatabase.current === database)
                throw Failure()
            }
        }
        let admin = try Connection(TestCluster.shared().connectionString())
        #expect(try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.count == 1)
        try admin.execute("DROP DATABASE \(Connection.quoteIdentifier(name)) WITH (FORCE)")
        #expect(TestDatabase.current == nil)
    }
}
