import SargableCore
import SargableLint
import SargableSchema

public enum CatalogDuplicateIndex: DatabaseRule {
    /// The same rule as the linter's (one catalogue entry): here decided on the whole live catalog.
    public static var metadata: RuleMetadata { DuplicateIndex.metadata }

    public static func check(_ schema: SchemaModel) -> [DatabaseFinding] {
        var findings: [DatabaseFinding] = []
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
                findings.append(finding(about: redundant,
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
