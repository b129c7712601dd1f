import Foundation
import SargablePostgres
import SargableTesting
import Testing

/// The fixture on a server it did not start, as with SARGABLE_TEST_DATABASE_URL.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct ExternalServerTests {
    @Test func templatesOutliveARunAndCaptureReadsTheServersLog() async throws {
        let server = try TemporaryPostgres.start(.init(settings: TestCluster.serverSettings, createHypoPG: false))
        defer { server.stop() }
        // Each run loads its own template only when the content is new; `random()` shows whether
        // a second run's database came from the first run's template.
        let setup = DatabaseSetup(sql: ["CREATE TABLE marker AS SELECT random() AS value"])
        func value(in cluster: TestCluster) throws -> String? {
            let database = try TestDatabase.create(setup, cluster: cluster, reporter: CollectingReporter())
            defer { database.drop() }
            return try database.query("SELECT value::text FROM marker").rows.first?["value"]
        }
        let firstRun = try TestCluster(existing: server.connectionString())
        let secondRun = try TestCluster(existing: server.connectionString())
        #expect(firstRun.server == nil)
        let first = try value(in: firstRun)
        #expect(first != nil)
        #expect(try value(in: secondRun) == first)

        let reporter = CollectingReporter()
        let database = try TestDatabase.create(setup, cluster: secondRun, reporter: reporter)
        defer { database.drop() }
        let capture = try await database.expectQueries(.exactly(1)) {
            try Connection(database.connectionString).execute("SELECT value FROM marker")
        }
        #expect(capture.statements.map(\.text) == ["SELECT value FROM marker"])
        #expect(reporter.failures.isEmpty)
    }

    @Test func aServerWithoutJSONLogSaysWhyNothingCanBeCaptured() async throws {
        let server = try TemporaryPostgres.start(.init(createHypoPG: false))
        defer { server.stop() }
        let cluster = try TestCluster(existing: server.connectionString())
        let database = try TestDatabase.create(cluster: cluster, reporter: CollectingReporter())
        defer { database.drop() }
        await #expect { try await database.capture {} } throws: { error in
            "\(error)" == "statements cannot be captured: the server at SARGABLE_TEST_DATABASE_URL writes no jsonlog "
                + "(set logging_collector = on and log_destination = 'jsonlog' on a server on this machine)"
        }
    }
}
