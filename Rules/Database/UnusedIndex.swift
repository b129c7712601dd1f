import SargableCore
import SargableLint
import SargableSchema

public enum UnusedIndex: DatabaseRule {
    /// Smaller indexes cost too little to be worth a finding.
    public static let minimumSizeBytes = 1 << 20

    public static let metadata = RuleMetadata(
        id: "unused-index",
        title: "Index never scanned since statistics were reset",
        severity: .info,
        category: .database,
        rationale: """
        pg_stat_user_indexes counts the scans of every index. One that was never scanned still costs \
        a write on every insert and non-HOT update, memory in shared buffers, and vacuum time. Primary \
        keys and unique indexes are skipped (they enforce constraints), and so are indexes under 1 MB. \
        Each finding shows its table's writes (inserts, updates and the share of HOT updates, which \
        maintain no index), and indexes on the most written tables come first. Check replicas before \
        dropping: each server keeps its own counts.
        """,
        fix: "Confirm on every replica and over a full business cycle, then drop it concurrently.",
        bad: [RuleExample("""
            CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL);
            INSERT INTO orders SELECT g, g, 'status ' || g FROM generate_series(1, 100000) g;
            -- 2 MB that no query scans: idx_scan = 0 in pg_stat_user_indexes
            ↓CREATE INDEX orders_status_idx ON orders (status);
            """)],
        good: [RuleExample("""
            CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL);
            INSERT INTO orders SELECT g, g, 'status ' || g FROM generate_series(1, 100000) g;
            CREATE INDEX orders_user_id_idx ON orders (user_id);
            ANALYZE orders;
            -- the workload uses it: idx_scan > 0
            SELECT id FROM orders WHERE user_id = 42;
            """)]
    )

    /// Ranked by what the index costs: the inserts and non-HOT updates of its table, each of which
    /// writes it, most first.
    public static func check(_ schema: SchemaModel) -> [DatabaseFinding] {
        schema.tablesByIndexWrites.flatMap { table in
            table.indexes.filter { index in
                index.scans == 0 && !index.isPrimary && !index.isUnique && index.isValid
                    && (index.sizeBytes ?? 0) >= minimumSizeBytes
            }.map { index in
                finding(about: index,
                        message: "index \(index.described) on \(table.name) has not been scanned since statistics were reset (\(ByteCount(index.sizeBytes ?? 0)); \(table.writeCost)",
                        help: "drop index concurrently \(index.name)")
            }
        }
    }
}

/// `1.4 MB`, `96 kB`: sizes as people read them.
struct ByteCount: CustomStringConvertible {
    let bytes: Int
    init(_ bytes: Int) { self.bytes = bytes }
    var description: String {
        let units = ["bytes", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = (value * 10).rounded() / 10
        return unit == 0 ? "\(bytes) bytes" : "\(rounded) \(units[unit])"
    }
}
