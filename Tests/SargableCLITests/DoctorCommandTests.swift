import Foundation
import SargablePostgres
import Testing

/// `sargable doctor` on throwaway servers: its sections, its exit code against --fail-on, and the
/// same findings as JSON and SARIF.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct DoctorCommandTests {
    /// Everything the checklist asks for, except what a test turns off.
    static let goodSettings = [
        "log_min_duration_statement": "1s", "log_lock_waits": "on", "track_io_timing": "on", "log_temp_files": "0",
        "shared_preload_libraries": "pg_stat_statements", "idle_in_transaction_session_timeout": "60s",
    ]

    @Test func aWellSetServerPassesAndEachSectionSaysOk() throws {
        let server = try TemporaryPostgres.start(.init(settings: Self.goodSettings, createHypoPG: false))
        let result = try Sargable.run(["doctor", "--database", server.connectionString(), "--app-nodes", "4"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.filter { !$0.hasPrefix(" ") && !$0.isEmpty }.prefix(4) == ["Settings", "Index health", "Connections", "Multi-tenancy"])
        #expect(lines.filter { $0 == "  ok" }.count == 4)
        #expect(lines.contains { $0.hasPrefix("  1 client connection now; max_connections 100 − 3 reserved = 97 usable; / 4 app nodes = 24 per node's pool") },
                "\(result.stdout)")
        #expect(lines.last { !$0.isEmpty }?.hasPrefix("no findings on ") == true)
    }

    @Test func findingsAreGroupedBySectionAndFailAtTheirSeverity() throws {
        var settings = Self.goodSettings
        settings["log_lock_waits"] = "off"    // a warning
        settings["track_io_timing"] = "off"   // an info
        let server = try TemporaryPostgres.start(.init(settings: settings, createHypoPG: false))
        let conninfo = server.connectionString()
        try Connection(conninfo).execute("CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id bigint NOT NULL)")

        let text = try Sargable.run(["doctor", "--database", conninfo, "--color", "never"])
        #expect(text.status == 1)
        let settingsSection = try #require(text.stdout.components(separatedBy: "Index health\n").first)
        #expect(settingsSection.contains("  warning[lock-waits-not-logged]: log_lock_waits is off"))
        #expect(settingsSection.contains("    = help: ALTER SYSTEM SET log_lock_waits = 'on'; SELECT pg_reload_conf();"))
        #expect(settingsSection.contains("  info[track-io-timing-off]: "))
        let tenancy = try #require(text.stdout.components(separatedBy: "Multi-tenancy\n").last)
        #expect(tenancy.hasPrefix("  warning[tenant-table-without-row-security]: table invoices has a tenant_id column"))
        #expect(text.stdout.contains("\n3 findings (2 warnings, 1 info) on "), "\(text.stdout)")

        // Exit 1 only for findings at or above --fail-on.
        #expect(try Sargable.run(["doctor", "--database", conninfo, "--fail-on", "error"]).status == 0)
        #expect(try Sargable.run(["doctor", "--database", conninfo, "--fail-on", "info"]).status == 1)

        let json = try Sargable.run(["doctor", "--database", conninfo, "--format", "json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let rules = (document["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        #expect(rules == ["lock-waits-not-logged", "track-io-timing-off", "tenant-table-without-row-security"])

        let sarif = try Sargable.run(["doctor", "--database", conninfo, "--format", "sarif"])
        #expect(sarif.status == 1)
        #expect(sarif.stdout.contains("lock-waits-not-logged: log_lock_waits is off"))
    }

    @Test func configurationTurnsARuleOffAndSetsItsOptions() throws {
        var settings = Self.goodSettings
        settings["log_lock_waits"] = "off"
        settings["log_min_duration_statement"] = "3s"
        let server = try TemporaryPostgres.start(.init(settings: settings, createHypoPG: false))
        let directory = try TemporaryDirectory()
        _ = try directory.write(".sargable.yml", """
            rules:
              lock-waits-not-logged: off
              slow-query-log-off:
                threshold-ms: 5000
            """)
        let result = try Sargable.run(["doctor", "--database", server.connectionString(), "--config", directory.path(".sargable.yml")])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("no findings on "))
    }

    @Test func anUnreachableServerIsOneLineAndExitTwo() throws {
        let directory = try TemporaryDirectory()
        let result = try Sargable.run(["doctor", "--database", "host=\(directory.path("nowhere")) dbname=app"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}
