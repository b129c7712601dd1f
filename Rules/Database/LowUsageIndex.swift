import SargableCore
import SargableLint
import SargableSchema

public enum LowUsageIndex: HealthRule {
    public static let metadata = RuleMetadata(
        id: "low-usage-index",
        title: "Index scanned only a few times since statistics were reset",
        severity: .info,
        category: .database,
        rationale: """
        An index scanned a handful of times still costs a write on every insert and non-HOT update \
        of its table. Reported from 1 to `max-scans` scans (never scanned: unused-index) for indexes \
        of 1 MB or more that enforce no constraint, with the age of the statistics, and only once \
        they are `minimum-statistics-hours` old: right after a reset every index looks unused. \
        Indexes on the most written tables come first.
        """,
        fix: "Find the queries that use it (pg_stat_statements, the slow-query log); if a broader index serves them, drop this one concurrently.",
        bad: [RuleExample("""
            CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL);
            INSERT INTO orders SELECT g, g, 'status ' || g FROM generate_series(1, 100000) g;
            ↓CREATE INDEX orders_status_idx ON orders (status);
            ANALYZE orders;
            -- one lookup in the whole statistics period
            SELECT id FROM orders WHERE status = 'status 42';
            """, options: ["minimum-statistics-hours": .integer(0)])],
        good: [
            RuleExample("""
                CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL);
                INSERT INTO orders SELECT g, g, 'status ' || g FROM generate_series(1, 100000) g;
                CREATE INDEX orders_status_idx ON orders (status);
                ANALYZE orders;
                SELECT id FROM orders WHERE status = 'status 42';
                SELECT id FROM orders WHERE status = 'status 43';
                """, options: ["minimum-statistics-hours": .integer(0), "max-scans": .integer(2)]),
            RuleExample("""
                CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL);
                INSERT INTO orders SELECT g, g, 'status ' || g FROM generate_series(1, 100000) g;
                CREATE INDEX orders_status_idx ON orders (status);
                ANALYZE orders;
                -- statistics younger than a week (the default) say nothing yet
                SELECT id FROM orders WHERE status = 'status 42';
                """),
        ])

    public static let maxScans = TypedOption<Int>("max-scans", default: 50, "fewest scans that count as used")
    public static let minimumHours = TypedOption<Int>("minimum-statistics-hours", default: 168,
                                                      "how old the statistics must be before low usage is reported")
    public static var options: [RuleOption] { [maxScans.declaration, minimumHours.declaration] }
    public static var section: HealthSection { .indexes }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        let maxScans = Self.maxScans.value(in: options)
        guard server.statisticsAgeSeconds >= minimumHours.value(in: options) * 3600 else { return [] }
        return server.schema.tablesByIndexWrites.flatMap { table in
            table.indexes.filter { index in
                (index.scans ?? 0) > 0 && (index.scans ?? 0) < maxScans && !index.isPrimary && !index.isUnique && index.isValid
                    && (index.sizeBytes ?? 0) >= UnusedIndex.minimumSizeBytes
            }.map { index in
                let scans = index.scans ?? 0
                return finding(about: index.relationName,
                               message: "index \(index.described) on \(table.name) was scanned \(scans) time\(scans == 1 ? "" : "s") (\(server.statisticsAge); \(ByteCount(index.sizeBytes ?? 0))); \(table.writeCost)",
                               help: "find the queries that use \(index.name); if another index serves them, drop index concurrently \(index.name)")
            }
        }
    }
}
