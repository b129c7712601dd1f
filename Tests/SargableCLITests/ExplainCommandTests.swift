import Foundation
import SargablePostgres
import Testing

/// `sargable explain` and `lint --database` against a throwaway server, run as a user would.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct DatabaseCommandTests {
    static let server: Result<(server: TemporaryPostgres, conninfo: String), Error> = Result {
        let server = try TemporaryPostgres.start(.init(createHypoPG: false))
        let connection = try Connection(server.connectionString())
        try connection.execute("""
            CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, status text NOT NULL DEFAULT 'active');
            CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), status text NOT NULL);
            CREATE TABLE audit_log (created_at timestamptz NOT NULL DEFAULT now(), message text);
            INSERT INTO users (email, status) SELECT 'u' || g || '@example.com', CASE WHEN g % 100 = 0 THEN 'banned' ELSE 'active' END
            FROM generate_series(1, 20000) g;
            INSERT INTO orders (user_id, status) SELECT 1 + g % 20000, 'delivered' FROM generate_series(1, 20000) g;
            ANALYZE;
            CREATE ROLE carol LOGIN PASSWORD 'correct-pony';
            """)
        try "local all postgres trust\nlocal all all scram-sha-256\n"
            .write(toFile: server.dataDirectory + "/pg_hba.conf", atomically: false, encoding: .utf8)
        try connection.query("SELECT pg_reload_conf()")
        return (server, server.connectionString())
    }

    @Test func explainPrintsThePlanTreeWithSharesAndInsights() throws {
        let conninfo = try Self.server.get().conninfo
        let result = try Sargable.run(["explain", "--database", conninfo, "--analyze",
                                       "SELECT id FROM users WHERE status = 'banned'"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("-- <argument>:1:1: executed (EXPLAIN ANALYZE), rolled back"))
        #expect(result.stdout.contains("Seq Scan on users"))
        #expect(result.stdout.contains("warning[plan-seq-scan-filter]: seq scan on users reads 20000 rows per loop and its filter on status removes 99.0% of them"))
        #expect(result.stdout.contains("execution "))
        let failing = try Sargable.run(["explain", "--database", conninfo, "--analyze", "--fail-on", "warning",
                                        "SELECT id FROM users WHERE status = 'banned'"])
        #expect(failing.status == 1)
        // The configuration lint reads applies to plan rules too: off is off.
        let config = NSTemporaryDirectory() + "sargable-explain-\(UUID().uuidString).yml"
        try "rules:\n  plan-seq-scan-filter: off\n".write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let configured = try Sargable.run(["explain", "--database", conninfo, "--analyze", "--fail-on", "warning",
                                           "--config", config, "SELECT id FROM users WHERE status = 'banned'"])
        #expect(configured.stdout.contains("Seq Scan on users"))
        #expect(!configured.stdout.contains("plan-seq-scan-filter"))
        // So do suppressions, written before the statement as for lint.
        let suppressed = try Sargable.run(["explain", "--database", conninfo, "--analyze", "--fail-on", "warning", "-"],
                                          stdin: "-- sargable-ignore plan-seq-scan-filter: banned users are rare\nSELECT id FROM users WHERE status = 'banned';\nSELECT id FROM users WHERE status = 'banned';\n")
        #expect(suppressed.stdout.components(separatedBy: "warning[plan-seq-scan-filter]").count == 2, "\(suppressed.stdout)")
        // Coloured as lint colours its findings, when asked.
        let coloured = try Sargable.run(["explain", "--database", conninfo, "--analyze", "--color", "always",
                                         "SELECT id FROM users WHERE status = 'banned'"])
        #expect(coloured.stdout.contains("\u{1B}[1;33mwarning[plan-seq-scan-filter]\u{1B}[0m\u{1B}[1m: seq scan on users"))
        #expect(!result.stdout.contains("\u{1B}["))
    }

    /// What a reader of PostgreSQL's own text plan looks for: widths, sort keys and buffers, and
    /// which statement each plan belongs to.
    @Test func explainTextShowsSortKeysBuffersWidthsAndTheStatement() throws {
        let conninfo = try Self.server.get().conninfo
        let result = try Sargable.run(["explain", "--database", conninfo, "--analyze", "SELECT id FROM users ORDER BY email\nLIMIT 5"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(2) == ["-- <argument>:1:1: executed (EXPLAIN ANALYZE), rolled back", "-- SELECT id FROM users ORDER BY email …"])
        #expect(lines.contains { $0.hasPrefix("└─ Sort  (cost=") && $0.contains(" width=") })
        #expect(lines.contains("   │  Sort Key: email"))
        #expect(lines.contains { $0.contains("Buffers: shared hit=") })
    }

    /// The server's own EXPLAIN JSON, as PEV2 and explain.depesz.com read it: `[{"Plan": …}]`.
    @Test func postgresJSONIsTheServersExplainOutput() throws {
        let conninfo = try Self.server.get().conninfo
        let result = try Sargable.run(["explain", "--database", conninfo, "--analyze", "--format", "postgres-json",
                                       "SELECT id FROM users WHERE id = 7"])
        #expect(result.status == 0, "\(result.stderr)")
        let explained = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let plan = try #require(explained.first?["Plan"] as? [String: Any])
        #expect(plan["Node Type"] as? String == "Index Only Scan" || plan["Node Type"] as? String == "Index Scan")
        #expect(plan["Actual Rows"] as? Int == 1)
        #expect(explained.first?["Execution Time"] is Double)
    }

    @Test func explainJSONCarriesThePlanAndFindings() throws {
        let conninfo = try Self.server.get().conninfo
        let result = try Sargable.run(["explain", "--database", conninfo, "--format", "json", "-"],
                                      stdin: "SELECT * FROM users WHERE id = $1;\nDELETE FROM orders;\nDROP TABLE orders;\n")
        #expect(result.status == 2)
        #expect(result.stderr == "sargable: error: <stdin>:3:1: DROP TABLE is not explained: only SELECT, INSERT, UPDATE, DELETE and MERGE are (DDL and utility statements are refused)\n")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(reports.count == 2)
        #expect(reports[0]["parameters"] as? String == "generic-plan")
        #expect(reports[0]["executed"] as? Bool == false)
        let plan = try #require(reports[0]["plan"] as? [String: Any])
        let root = try #require(plan["root"] as? [String: Any])
        #expect(root["indexName"] as? String == "users_pkey")
        #expect(reports[1]["line"] as? Int == 2)
        #expect(reports[0]["findings"] is [Any])
    }

    @Test func unreachableServerIsOneLineAndExitTwo() throws {
        let result = try Sargable.run(["explain", "--database", "postgresql://bob:s3cret-value@127.0.0.1:1/app", "SELECT 1 AS one"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("sargable: error: could not connect to host=127.0.0.1 port=1 dbname=app user=bob: "))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        #expect(!result.stderr.contains("s3cret-value"))
    }

    @Test func wrongPasswordIsOneLineAndExitTwo() throws {
        let server = try Self.server.get().server
        let conninfo = "host=\(server.socketDirectory) user=carol password=wrong-horse dbname=postgres"
        let result = try Sargable.run(["lint", "--database", conninfo, "-"], stdin: "SELECT 1;")
        #expect(result.status == 2)
        #expect(result.stderr.contains("password authentication failed for user \"carol\""))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        #expect(!result.stderr.contains("wrong-horse"))
    }

    @Test func lintWithADatabaseUsesItsCatalog() throws {
        let conninfo = try Self.server.get().conninfo
        // The query names a table only the live catalog knows; the database checks are added.
        let result = try Sargable.run(["lint", "--database", conninfo, "--format", "json", "-"],
                                      stdin: "SELECT id FROM orders WHERE user_id = 1;\n")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let messages = Set(findings.compactMap { $0["message"] as? String })
        #expect(messages.contains("foreign key orders.user_id has no index"))
        #expect(messages.contains("table audit_log has no primary key"))
        // The environment works as with psql when --database is absent.
        let environment = try Self.server.get().server.environment()
        let viaEnvironment = try Sargable.run(["explain", "SELECT count(*) FROM orders"], environment: environment)
        #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
        #expect(viaEnvironment.stdout.contains("Seq Scan on orders"))
    }

    @Test func databaseRunLoadsSQLRunsTheCommandAndCleansUp() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sargable-db-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n"
            .write(to: directory.appendingPathComponent("1_schema.sql"), atomically: true, encoding: .utf8)
        try "INSERT INTO t SELECT generate_series(1, 3);\n"
            .write(to: directory.appendingPathComponent("2_data.sql"), atomically: true, encoding: .utf8)
        let result = try Sargable.run(["database", "run", "--load", directory.path, "--set", "work_mem=12MB", "--",
                                       "sh", "-c", "psql -XAtc 'SELECT count(*) FROM t' && psql -XAtc 'SHOW work_mem' && exit 3"])
        #expect(result.status == 3)
        #expect(result.stdout == "3\n12MB\n")
        let note = try #require(result.stderr.split(separator: "\n").first { $0.contains("throwaway PostgreSQL ready") })
        let root = try #require(note.split(separator: " ").last.map(String.init))
        #expect(root.hasPrefix("/tmp/sargable-pg-"))
        #expect(!FileManager.default.fileExists(atPath: root))

        let broken = directory.appendingPathComponent("3_broken.sql")
        try "SELECT 1;\nSELEC 2;\n".write(to: broken, atomically: true, encoding: .utf8)
        let failed = try Sargable.run(["database", "run", "--load", broken.path, "--", "true"])
        #expect(failed.status == 2)
        #expect(failed.stderr.hasPrefix("sargable: error: \(broken.path):2:1: syntax error at or near \"SELEC\""))
    }

    @Test(arguments: ["explain", "database"])
    func helpShowsExamples(_ command: String) throws {
        let result = try Sargable.run([command, "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Examples:"))
        #expect(result.stdout.contains("sargable \(command)"))
    }
}
