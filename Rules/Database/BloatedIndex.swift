import SargableCore
import SargableLint
import SargableSchema

public enum BloatedIndex: HealthRule {
    public static let metadata = RuleMetadata(
        id: "bloated-index",
        title: "B-tree index that is mostly free space",
        severity: .info,
        category: .database,
        rationale: """
        Deleted and updated rows leave b-tree pages partly empty; vacuum reuses the space but never \
        gives it back, so after a mass delete or years of churn an index can be several times the \
        size its rows need: more memory, more pages read per scan. Measured with pgstattuple's \
        pgstatindex when the extension is installed in the database; otherwise estimated from the \
        table's row estimate and its key columns' average widths (pg_stats, so only for analyzed \
        tables and indexes on plain columns), and the finding says it is an estimate. B-tree \
        indexes of 1 MB or more, reported from `percent` free.
        """,
        fix: "`REINDEX INDEX CONCURRENTLY name;` builds a compact copy without blocking writes.",
        bad: [
            RuleExample("""
                CREATE EXTENSION pgstattuple;
                CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL);
                INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 100000) g;
                ↓CREATE INDEX events_kind_id_idx ON events (kind, id);
                DELETE FROM events WHERE id % 10 <> 0;
                VACUUM ANALYZE events;
                """),
            RuleExample("""
                CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL);
                INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 100000) g;
                ↓CREATE INDEX events_kind_id_idx ON events (kind, id);
                DELETE FROM events WHERE id % 10 <> 0;
                VACUUM ANALYZE events;
                """),
        ],
        good: [
            RuleExample("""
                CREATE EXTENSION pgstattuple;
                CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL);
                INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 100000) g;
                CREATE INDEX events_kind_id_idx ON events (kind, id);
                ANALYZE events;
                """),
            RuleExample("""
                CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL);
                INSERT INTO events SELECT g, g % 7 FROM generate_series(1, 100000) g;
                CREATE INDEX events_kind_id_idx ON events (kind, id);
                DELETE FROM events WHERE id % 10 <> 0;
                VACUUM ANALYZE events;
                REINDEX INDEX CONCURRENTLY events_kind_id_idx;
                """),
        ])

    public static let percent = TypedOption<Int>("percent", default: 50, "smallest share of free space reported, in percent")
    public static var options: [RuleOption] { [percent.declaration] }
    public static var section: HealthSection { .indexes }

    public static func check(_ server: ServerHealth, options: [String: RuleOption.Value]) -> [DatabaseFinding] {
        let threshold = percent.value(in: options)
        return server.schema.sortedTables.flatMap { table in
            table.indexes.sorted { $0.name < $1.name }.compactMap { index -> DatabaseFinding? in
                guard let bloat = server.indexBloat[index.relationName], bloat.percent >= threshold else { return nil }
                let how = bloat.method == .pgstattuple ? "measured by pgstatindex"
                    : "estimated from statistics (install pgstattuple to measure)"
                return finding(about: index.relationName,
                               message: "index \(index.described) on \(table.name) is about \(bloat.percent)% free space (\(ByteCount(bloat.wastedBytes)) of \(ByteCount(index.sizeBytes ?? 0)), \(how))",
                               help: "REINDEX INDEX CONCURRENTLY \(index.relationName);")
            }
        }
    }
}
