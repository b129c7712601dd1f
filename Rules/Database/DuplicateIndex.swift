import SargableCore
import SargableSchema

public enum DuplicateIndex: DatabaseRule {
    public static let metadata = RuleMetadata(
        id: "duplicate-index",
        title: "Index duplicated by another, or a prefix of another",
        severity: .warning,
        category: .database,
        rationale: """
        A b-tree index on (a) is redundant beside one on (a, b): the second serves every lookup the \
        first does. Two identical indexes are worse. Each one is written on every insert and update, \
        takes space in memory and on disk, and slows vacuum, for no read it makes faster.
        """,
        fix: "Drop the redundant index concurrently (keep unique and primary-key indexes: they enforce constraints).",
        bad: [RuleExample("""
            CREATE INDEX orders_user_id_idx ON orders (user_id);
            ↓CREATE INDEX orders_user_id_created_at_idx ON orders (user_id, created_at);
            """)],
        good: [RuleExample("""
            CREATE INDEX orders_user_id_created_at_idx ON orders (user_id, created_at);
            """)]
    )

    public static func check(_ schema: SchemaModel) -> [Finding] {
        var findings: [Finding] = []
        for table in schema.sortedTables {
            let indexes = table.indexes.filter(\.isValid).sorted { $0.name < $1.name }
            for redundant in indexes where !redundant.isUnique && !redundant.isPrimary {
                let covering = indexes.first { other in
                    other.name != redundant.name && covers(other, redundant)
                        // Of two identical plain indexes, report only the second by name.
                        && !(other.keys == redundant.keys && !other.isUnique && !other.isPrimary && other.name > redundant.name)
                }
                guard let covering else { continue }
                let relation = covering.keys == redundant.keys ? "duplicates" : "is a prefix of"
                findings.append(Finding(rule: metadata.id, severity: metadata.severity,
                                        message: "index \(redundant.described) on \(table.name) \(relation) \(covering.described)",
                                        help: "drop index concurrently \(redundant.name)"))
            }
        }
        return findings
    }

    /// True when `index` answers every query `redundant` answers: same method, predicate and
    /// operator classes, and `redundant`'s keys are equal to (any method) or a leading prefix of
    /// (b-tree only) `index`'s keys.
    static func covers(_ index: Index, _ redundant: Index) -> Bool {
        guard index.method == redundant.method, index.predicate == redundant.predicate,
              redundant.keys.count <= index.keys.count,
              Array(index.keys.prefix(redundant.keys.count)) == redundant.keys,
              Array(index.operatorClasses.prefix(redundant.operatorClasses.count)) == redundant.operatorClasses
        else { return false }
        return index.keys.count == redundant.keys.count || index.method == "btree"
    }
}
