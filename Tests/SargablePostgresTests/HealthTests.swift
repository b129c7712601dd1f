import Foundation
import SargableCore
import SargableLint
import SargablePostgres
import SargableRules
import SargableSchema
import SargableSyntax
import Testing

/// A throwaway server of its own (the checklist reads server-wide settings and roles, which no
/// test may change under another), with `settings` in postgresql.conf and `sql` run in database
/// `app`. After an ALTER SYSTEM the server restarts: every setting applies then, also those read
/// only at start, with no wait for a reload to reach the sessions.
struct HealthServer {
    let server: TemporaryPostgres
    let conninfo: String

    init(settings: [String: String] = [:], running sql: String = "") throws {
        server = try TemporaryPostgres.start(.init(settings: settings, createHypoPG: false))
        conninfo = try server.createDatabase("app")
        let connection = try Connection(conninfo)
        let document = SQLDocument(path: "setup.sql", text: sql)
        // A failing statement is part of some examples' story, as in DatabaseRuleExampleTests.
        for statement in document.statements { _ = try? connection.execute(statement.text) }
        // Scan and write counters reach other sessions once flushed.
        try connection.query("SELECT pg_stat_force_next_flush()")
        if document.parse().contains(where: { $0.root?.kind == .alterSystemStmt }) { try server.restart() }
    }

    func health() throws -> ServerHealth { try Catalog.readHealth(try Connection(conninfo)) }
}

/// Every example of the checklist's rules, each on a fresh server: bad examples give one finding
/// per `↓` (findings about a table or index placed there by the linter), good ones none.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct HealthRuleExampleTests {
    @Test(arguments: RuleRegistry.healthRules.map { $0.metadata.id })
    func examples(_ id: String) throws {
        let rule = try #require(RuleRegistry.healthRules.first { $0.metadata.id == id })
        let metadata = rule.metadata
        #expect(!metadata.bad.isEmpty && !metadata.good.isEmpty)
        for (example, bad) in metadata.bad.map({ ($0, true) }) + metadata.good.map({ ($0, false) }) {
            let (sql, markers) = RuleCatalogue.stripMarkers(example.text)
            #expect(markers.isEmpty != bad, "\(id): bad examples mark their findings with ↓, good ones do not")
            let health = try HealthServer(running: sql).health()
            let options = Configuration().optionValues(of: id, declared: rule.options).merging(example.options) { $1 }
            let findings = rule.check(health, options: options)
            #expect(findings.count == markers.count, "\(id): \(findings.map(\.message))")
            #expect(findings.allSatisfy { $0.rule == id && !$0.help.isEmpty })
            let document = SQLDocument(path: "example.sql", text: sql)
            let report = Linter(rules: [], catalogue: RuleRegistry.all).lint([document], databaseFindings: findings)
            let placed = report.findings.compactMap { $0.span?.byteRange.lowerBound }
            #expect(placed.count == findings.filter { $0.object != nil }.count, "\(id): a finding about an object is placed at its statement")
            // At the statement that creates the object; the ↓ (shared with a schema rule) may be inside it.
            let marked = markers.compactMap { marker in document.statements.firstIndex { $0.range.contains(marker) } }
            let placedAt = placed.compactMap { offset in document.statements.firstIndex { $0.range.contains(offset) } }
            #expect(Set(placedAt).isSubset(of: Set(marked)), "\(id): placed at \(placed), marked at \(markers)")
        }
    }
}

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct HealthCheckTests {
    static let tenantTable = """
        CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, total numeric);
        """

    @Test func aServerSetUpWronglyGivesEachFindingOnceWithItsFix() throws {
        let server = try HealthServer(settings: [
            "log_min_duration_statement": "10s", "log_lock_waits": "off", "deadlock_timeout": "30s",
            "track_io_timing": "off", "log_temp_files": "-1", "autovacuum": "off", "shared_preload_libraries": "",
        ], running: """
            CREATE ROLE app LOGIN;
            CREATE ROLE admin LOGIN SUPERUSER;
            \(Self.tenantTable)
            ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON invoices USING (tenant_id = current_setting('app.tenant_id')::bigint);
            """)
        let findings = HealthChecks.run(try server.health())
        let expected: [(rule: String, help: String)] = [
            ("slow-query-log-off", "ALTER SYSTEM SET log_min_duration_statement = '1s'; SELECT pg_reload_conf();"),
            ("role-without-statement-timeout", "ALTER ROLE app SET statement_timeout = '30s';"),
            ("missing-idle-in-transaction-timeout", "ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';"),
            ("lock-waits-not-logged", "ALTER SYSTEM SET log_lock_waits = 'on'; SELECT pg_reload_conf();"),
            ("deadlock-timeout-unusual", "ALTER SYSTEM SET deadlock_timeout = '1s'; SELECT pg_reload_conf();"),
            ("track-io-timing-off", "ALTER SYSTEM SET track_io_timing = 'on'; SELECT pg_reload_conf();"),
            ("temp-files-not-logged", "ALTER SYSTEM SET log_temp_files = '0'; SELECT pg_reload_conf();"),
            ("autovacuum-disabled", "ALTER SYSTEM SET autovacuum = 'on'; SELECT pg_reload_conf();"),
            ("pg-stat-statements-not-preloaded",
             "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; then restart the server and CREATE EXTENSION pg_stat_statements;"),
            ("tenant-table-without-row-security", "ALTER TABLE invoices FORCE ROW LEVEL SECURITY;"),
        ]
        #expect(findings.map(\.rule) == expected.map(\.rule))
        #expect(findings.map(\.help) == expected.map(\.help))
        #expect(findings.first { $0.rule == "slow-query-log-off" }?.message
            == "log_min_duration_statement is 10000 ms: statements between 1000 ms and 10000 ms are never logged")
    }

    @Test func aServerSetUpAsTheChecklistSaysGivesNoFinding() throws {
        let server = try HealthServer(settings: [
            "log_min_duration_statement": "1s", "log_lock_waits": "on", "track_io_timing": "on", "log_temp_files": "0",
            "shared_preload_libraries": "pg_stat_statements", "idle_in_transaction_session_timeout": "60s",
        ], running: """
            CREATE ROLE app LOGIN;
            ALTER ROLE app SET statement_timeout = '30s';
            \(Self.tenantTable)
            ALTER TABLE invoices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON invoices USING (tenant_id = current_setting('app.tenant_id')::bigint);
            """)
        let findings = HealthChecks.run(try server.health())
        #expect(findings.map(\.finding) == [])
    }

    /// A role's sessions start with ALTER ROLE … IN DATABASE, then ALTER ROLE, then ALTER
    /// DATABASE, then ALTER ROLE ALL, then the server's value: each level can give or take away
    /// the limit.
    @Test func statementTimeoutFollowsPerRoleAndPerDatabaseSettings() throws {
        let server = try HealthServer(running: """
            CREATE ROLE app LOGIN;
            CREATE ROLE worker LOGIN;
            ALTER DATABASE app SET statement_timeout = '10s';
            ALTER ROLE worker IN DATABASE app SET statement_timeout = 0;
            ALTER ROLE ALL SET idle_in_transaction_session_timeout = '20s';
            """)
        let health = try server.health()
        #expect(health.milliseconds(of: "statement_timeout", forRole: "app") == 10_000)
        #expect(health.milliseconds(of: "idle_in_transaction_session_timeout", forRole: "worker") == 20_000)
        #expect(MissingIdleInTransactionTimeout.check(health, options: [:]).isEmpty)
        let findings = RoleWithoutStatementTimeout.check(health, options: [:])
        #expect(findings.map(\.message) == [
            "statement_timeout is 0 (no limit) for role worker, which can log in: a runaway query holds its connection and locks until it is killed",
        ])
    }

    /// Without pgstattuple the bloat is an estimate and says so; with it, it is measured. Both
    /// see the same mass delete.
    @Test func bloatIsMeasuredWithPgstattupleAndElseLabelledAnEstimate() throws {
        let server = try HealthServer(running: """
            CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL);
            INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 100000) g;
            CREATE INDEX events_kind_id_idx ON events (kind, id);
            DELETE FROM events WHERE id % 10 <> 0;
            VACUUM ANALYZE events;
            """)
        let estimated = BloatedIndex.check(try server.health(), options: [:])
        #expect(estimated.count == 1)
        #expect(estimated.first?.message.hasSuffix("estimated from statistics (install pgstattuple to measure))") == true,
                "\(estimated.map(\.message))")
        try Connection(server.conninfo).execute("CREATE EXTENSION pgstattuple")
        let health = try server.health()
        let measured = BloatedIndex.check(health, options: [:])
        #expect(measured.first?.message.hasSuffix("measured by pgstatindex)") == true, "\(measured.map(\.message))")
        #expect(health.indexBloat.values.allSatisfy { $0.method == .pgstattuple && $0.percent >= 80 })
        #expect(measured.first?.help == "REINDEX INDEX CONCURRENTLY events_kind_id_idx;")
    }

    /// Right after a reset every index looks barely used: the finding waits for old enough
    /// statistics and says how old they are.
    @Test func lowUsageWaitsForStatisticsOldEnoughAndShowsTheirAge() throws {
        let server = try HealthServer(running: """
            CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL);
            INSERT INTO orders SELECT g, 'status ' || g FROM generate_series(1, 100000) g;
            CREATE INDEX orders_status_idx ON orders (status);
            SELECT pg_stat_reset();
            ANALYZE orders;
            SELECT id FROM orders WHERE status = 'status 42';
            """)
        let health = try server.health()
        #expect(health.statisticsEverReset)
        #expect(LowUsageIndex.check(health, options: [:]).isEmpty)
        let findings = LowUsageIndex.check(health, options: ["minimum-statistics-hours": .integer(0)])
        #expect(findings.map(\.message).first?.hasPrefix(
            "index orders_status_idx (status) on orders was scanned 1 time (statistics reset 0 minutes ago; ") == true,
                "\(findings.map(\.message))")
    }

    @Test func unusedIndexesOnWriteHeavyTablesComeFirstWithTheirWriteCost() throws {
        let server = try HealthServer(running: """
            CREATE TABLE quiet (id bigint PRIMARY KEY, note text NOT NULL);
            CREATE TABLE busy (id bigint PRIMARY KEY, note text NOT NULL);
            INSERT INTO quiet SELECT g, 'note ' || g FROM generate_series(1, 60000) g;
            INSERT INTO busy SELECT g, 'note ' || g FROM generate_series(1, 60000) g;
            CREATE INDEX quiet_note_idx ON quiet (note);
            CREATE INDEX busy_note_idx ON busy (note);
            UPDATE busy SET note = note || '!' WHERE id <= 20000;
            """)
        let findings = UnusedIndex.check(try server.health().schema)
        #expect(findings.map(\.help) == ["drop index concurrently busy_note_idx", "drop index concurrently quiet_note_idx"])
        #expect(findings.first?.message.hasSuffix("writes to busy since the reset: 60000 inserts, 20000 updates (0% HOT), 0 deletes") == true)
    }
}
