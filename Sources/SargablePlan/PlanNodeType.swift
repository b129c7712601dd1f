/// A plan node's `Node Type` as EXPLAIN (FORMAT JSON) spells it (PostgreSQL 15's explain.c), so
/// rules compare cases, not strings: a misspelt type fails to compile. Types this build does not
/// know (a newer server, a custom scan provider) keep their text in `.other`.
public enum PlanNodeType: Hashable, Sendable, Codable, CustomStringConvertible {
    case result, projectSet, modifyTable, append, mergeAppend, recursiveUnion, bitmapAnd, bitmapOr
    case nestedLoop, mergeJoin, hashJoin
    case seqScan, sampleScan, gather, gatherMerge, indexScan, indexOnlyScan, bitmapIndexScan, bitmapHeapScan
    case tidScan, tidRangeScan, subqueryScan, functionScan, tableFunctionScan, valuesScan, cteScan
    case namedTuplestoreScan, workTableScan, foreignScan, customScan
    case materialize, memoize, sort, incrementalSort, group, aggregate, windowAgg, unique, setOp
    case lockRows, limit, hash
    case other(String)

    private static let names: [(PlanNodeType, String)] = [
        (.result, "Result"), (.projectSet, "ProjectSet"), (.modifyTable, "ModifyTable"), (.append, "Append"),
        (.mergeAppend, "Merge Append"), (.recursiveUnion, "Recursive Union"), (.bitmapAnd, "BitmapAnd"),
        (.bitmapOr, "BitmapOr"), (.nestedLoop, "Nested Loop"), (.mergeJoin, "Merge Join"), (.hashJoin, "Hash Join"),
        (.seqScan, "Seq Scan"), (.sampleScan, "Sample Scan"), (.gather, "Gather"), (.gatherMerge, "Gather Merge"),
        (.indexScan, "Index Scan"), (.indexOnlyScan, "Index Only Scan"), (.bitmapIndexScan, "Bitmap Index Scan"),
        (.bitmapHeapScan, "Bitmap Heap Scan"), (.tidScan, "Tid Scan"), (.tidRangeScan, "Tid Range Scan"),
        (.subqueryScan, "Subquery Scan"), (.functionScan, "Function Scan"), (.tableFunctionScan, "Table Function Scan"),
        (.valuesScan, "Values Scan"), (.cteScan, "CTE Scan"), (.namedTuplestoreScan, "Named Tuplestore Scan"),
        (.workTableScan, "WorkTable Scan"), (.foreignScan, "Foreign Scan"), (.customScan, "Custom Scan"),
        (.materialize, "Materialize"), (.memoize, "Memoize"), (.sort, "Sort"), (.incrementalSort, "Incremental Sort"),
        (.group, "Group"), (.aggregate, "Aggregate"), (.windowAgg, "WindowAgg"), (.unique, "Unique"),
        (.setOp, "SetOp"), (.lockRows, "LockRows"), (.limit, "Limit"), (.hash, "Hash"),
    ]
    private static let byName = Dictionary(uniqueKeysWithValues: names.map { ($0.1, $0.0) })
    private static let byType = Dictionary(uniqueKeysWithValues: names.map { ($0.0, $0.1) })

    public init(_ name: String) {
        self = Self.byName[name] ?? .other(name)
    }

    /// The name as EXPLAIN prints it.
    public var name: String {
        if case .other(let name) = self { return name }
        return Self.byType[self] ?? ""
    }

    public var description: String { name }

    /// Nested Loop, Merge Join, Hash Join.
    public var isJoin: Bool { self == .nestedLoop || self == .mergeJoin || self == .hashJoin }
    /// Sort and Incremental Sort.
    public var isSort: Bool { self == .sort || self == .incrementalSort }
    /// Gather and Gather Merge: the nodes whose children run in parallel workers.
    public var isGather: Bool { self == .gather || self == .gatherMerge }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}
