import SargableCore
import SargableLint
import SargableSchema

public enum AutovacuumDisabled: HealthRule {
    public static let metadata = RuleMetadata(
        id: "autovacuum-disabled",
        title: "Autovacuum disabled on the server or on a busy table",
        severity: .error,
        category: .database,
        rationale: """
        Autovacuum removes dead rows, keeps the visibility map current (index-only scans depend on \
        it), refreshes planner statistics and freezes old transaction ids. Off server-wide, or off \
        on a table that takes writes (`autovacuum_enabled = false`), tables and indexes bloat, plans \
        go stale, and the server eventually stops accepting writes to prevent transaction id \
        wraparound. A table counts as busy from `busy-writes` rows inserted, updated or deleted \
        since the statistics were reset.
        """,
        fix: "`ALTER SYSTEM SET autovacuum = 'on'; SELECT pg_reload_conf();`, and `ALTER TABLE t RESET (autovacuum_enabled);` per table; tune its thresholds instead of turning it off.",
        bad: [
            RuleExample("""
                ↓ALTER SYSTEM SET autovacuum = off;
                SELECT pg_reload_conf();
                """),
            RuleExample("""
                ↓CREATE TABLE events (id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);
                INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, 5000) g;
                """),
        ],
        good: [
            RuleExample("""
                CREATE TABLE events (id bigint PRIMARY KEY, payload text);
                INSERT INTO events SELECT g, 'event ' || g FROM generate_series(1, 5000) g;
                """),
            RuleExample("""
                -- a staging table loaded once and dropped: no writes to clean up after
                CREATE TABLE staging (id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);
                """),
        ])

    public static let busyWrites = TypedOption<Int>("busy-writes", default: 1000,
                                                    "rows written since the statistics reset from which a table counts as busy")
    public static var options: [RuleOption] { [busyWrites.declaration] }
    public static var section: HealthSection { .settings }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        var findings = unlessOn(server, "autovacuum", "dead rows pile up, statistics go stale and transaction ids are never frozen")
        let threshold = busyWrites.value(in: options)
        for table in server.schema.sortedTables where table.autovacuumDisabled == true {
            guard let writes = table.writes, writes.inserted + writes.updated + writes.deleted >= threshold else { continue }
            findings.append(finding(about: table.name,
                                    message: "autovacuum is disabled on \(table.name) (autovacuum_enabled = false), which takes writes: \(writes.description)",
                                    help: "ALTER TABLE \(table.name) RESET (autovacuum_enabled);"))
        }
        return findings
    }
}
