import SargableCore
import SargableLint
import SargableSchema

public enum IndexLargerThanTable: HealthRule {
    public static let metadata = RuleMetadata(
        id: "index-larger-than-table",
        title: "Index larger than its table",
        severity: .info,
        category: .database,
        rationale: """
        An index holds a copy of its keys for every row, so it is normally a fraction of its table. \
        One larger than the table's heap is bloated (the table shrank and the index did not), or \
        indexes nearly every column (wide keys, INCLUDE lists), or duplicates what the heap already \
        gives cheaply. Indexes of 1 MB or more.
        """,
        fix: "Check it with bloated-index; rebuild it with `REINDEX INDEX CONCURRENTLY`, or narrow or drop it if no query needs all its columns.",
        bad: [RuleExample("""
            CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL);
            INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 100000) g;
            ↓CREATE INDEX events_kind_id_idx ON events (kind, id);
            -- the table shrinks to a few pages (vacuum truncates them), its indexes keep theirs
            DELETE FROM events WHERE id > 1000;
            VACUUM events;
            """)],
        good: [RuleExample("""
            CREATE TABLE events (id bigint PRIMARY KEY, kind int NOT NULL, payload text NOT NULL);
            INSERT INTO events SELECT g, g % 7, repeat('x', 100) FROM generate_series(1, 100000) g;
            CREATE INDEX events_kind_id_idx ON events (kind, id);
            """)])

    public static var section: HealthSection { .indexes }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        server.schema.sortedTables.flatMap { table -> [DatabaseFinding] in
            guard let heap = table.heapSizeBytes else { return [] }
            return table.indexes.sorted { $0.name < $1.name }.filter { index in
                index.isValid && (index.sizeBytes ?? 0) >= UnusedIndex.minimumSizeBytes && (index.sizeBytes ?? 0) > heap
            }.map { index in
                finding(about: index.relationName,
                        message: "index \(index.described) (\(ByteCount(index.sizeBytes ?? 0))) is larger than its table \(table.name) (\(ByteCount(heap)))",
                        help: "REINDEX INDEX CONCURRENTLY \(index.relationName); if it stays larger, narrow or drop it")
            }
        }
    }
}
