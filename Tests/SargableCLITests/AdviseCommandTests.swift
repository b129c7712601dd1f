import Foundation
import SargablePostgres
import Testing

/// `sargable advise` run as users run it: inside `sargable database run` on a throwaway server
/// loaded with a schema and generated data.
@Suite(.serialized) struct AdviseCommandTests {
    static let schema = """
        CREATE EXTENSION IF NOT EXISTS hypopg;
        CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),
                             total numeric NOT NULL, created_at timestamptz NOT NULL);
        INSERT INTO customers SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 10000) AS i;
        INSERT INTO orders SELECT i, 1 + (i * 7919) % 10000, i % 1000, timestamptz '2026-01-01' + (i % 365) * interval '1 day'
            FROM generate_series(1, 100000) AS i;
        ANALYZE;
        """

    static let workload = """
        -- sargable: weight 1000
        SELECT id, total FROM orders WHERE customer_id = $1;
        -- sargable: weight 1000
        SELECT id FROM customers WHERE lower(email) = 'user5@example.com';
        """

    private func advise(_ arguments: [String], workload: String = Self.workload) throws -> CommandResult {
        let directory = try TemporaryDirectory()
        let schema = try directory.write("schema.sql", Self.schema)
        let queries = try directory.write("queries.sql", workload)
        return try Sargable.run(["database", "run", "--load", schema.path, "--", Sargable.executable.path, "advise",
                                 "--database", ""] + arguments + [queries.path])
    }

    @Test func sqlFormatIsAMigrationWithTheEvidence() throws {
        let result = try advise(["--format", "sql"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("SET lock_timeout = '5s';"))
        let creates = lines.filter { $0.hasPrefix("CREATE INDEX CONCURRENTLY IF NOT EXISTS") }
        #expect(creates.contains { $0.contains("\"orders\" USING btree (\"customer_id\"") }, "\(result.stdout)")
        #expect(creates.contains { $0.contains("(lower(email))") }, "\(result.stdout)")
        // Each statement is preceded by a comment with its evidence.
        for create in creates {
            let position = try #require(lines.firstIndex(of: create))
            #expect(lines[..<position].last { !$0.hasPrefix("--    ") }?.hasPrefix("-- ") == true)
        }
    }

    @Test func jsonCarriesTheRankedRecommendationsAndTheSearchCost() throws {
        let result = try advise(["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect((object["whatIfCalls"] as? Int ?? 0) > 0)
        let baseline = try #require(object["baselineCost"] as? Double)
        let recommended = try #require(object["recommendedCost"] as? Double)
        #expect(recommended < baseline)
        let recommendations = try #require(object["recommendations"] as? [[String: Any]])
        #expect(recommendations.map { $0["rank"] as? Int } == Array(1 ... recommendations.count).map { $0 })
        let statements = try #require(recommendations.first?["statements"] as? [[String: Any]])
        #expect(statements.first?["calls"] as? Int == 1000)
    }

    @Test func failOnRecommendationExitsOneForCI() throws {
        let result = try advise(["--fail-on-recommendation"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("1. CREATE INDEX CONCURRENTLY"))
    }

    @Test func verifyBuildsMeasuresAndReportsTheSpeedUp() throws {
        let result = try advise(["--verify", "--allow-index-builds", "--runs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("verified: built in"), "\(result.stdout)")
        #expect(result.stdout.contains("index(es) and dropped them again"))
    }

    @Test func verifyRefusesToBuildWithoutTheExplicitFlag() throws {
        let result = try Sargable.run(["advise", "--database", "host=/nonexistent", "--verify", "queries.sql"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--allow-index-builds"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func anUnreachableDatabaseIsOneLineAndNeverShowsThePassword() throws {
        let directory = try TemporaryDirectory()
        let queries = try directory.write("q.sql", "SELECT 1 FROM pg_class WHERE relname = 'x';")
        let result = try Sargable.run(["advise", "--database", "postgresql://app:s3cret@127.0.0.1:1/app", queries.path])
        #expect(result.status == 2)
        #expect(!result.stderr.contains("s3cret"))
        #expect(result.stderr.hasPrefix("sargable: error:"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func invalidSQLIsReportedWithItsLocationAndTheRestIsAdvised() throws {
        let result = try advise(["--format", "sql"], workload: """
            SELECT id FROM orders WHERE customer_id = 17 AND;
            -- sargable: weight 1000
            SELECT id, total FROM orders WHERE customer_id = $1;
            """)
        #expect(result.status == 2)
        #expect(result.stderr.contains("queries.sql:1:"), "\(result.stderr)")
        #expect(result.stdout.contains("\"orders\" USING btree (\"customer_id\""), "\(result.stdout)")
    }
}
