/// Buffer counts of a node (`BUFFERS`): blocks of 8 kB.
public struct BufferCounts: Sendable, Hashable, Codable {
    public var sharedHit = 0
    public var sharedRead = 0
    public var sharedDirtied = 0
    public var sharedWritten = 0
    public var localHit = 0
    public var localRead = 0
    public var tempRead = 0
    public var tempWritten = 0

    public init() {}

    public var isEmpty: Bool { self == BufferCounts() }
}

/// One node of an EXPLAIN plan, with the fields Sargable reads. Times are milliseconds; `actual*`
/// values exist only for EXPLAIN ANALYZE (and auto_explain with `log_analyze`).
public struct PlanNode: Sendable, Hashable, Codable {
    /// Pre-order position in the plan (root is 0): how findings point at a node.
    public var id: Int
    public var nodeType: PlanNodeType
    /// `Inner`, `Outer`, `SubPlan`, `InitPlan`, `Member` (the node's role under its parent).
    public var parentRelationship: String?
    public var subplanName: String?
    public var relationName: String?
    public var schema: String?
    public var alias: String?
    public var indexName: String?
    public var joinType: String?
    /// `Sorted`, `Hashed`, `Plain` for aggregates.
    public var strategy: String?
    public var scanDirection: String?
    public var startupCost: Double
    public var totalCost: Double
    public var planRows: Double
    public var planWidth: Int
    public var actualStartupTime: Double?
    public var actualTotalTime: Double?
    public var actualRows: Double?
    public var actualLoops: Double?
    public var neverExecuted: Bool
    public var filter: String?
    public var indexCond: String?
    public var recheckCond: String?
    public var joinFilter: String?
    public var hashCond: String?
    public var mergeCond: String?
    public var rowsRemovedByFilter: Double?
    public var rowsRemovedByJoinFilter: Double?
    public var rowsRemovedByIndexRecheck: Double?
    public var heapFetches: Double?
    public var buffers: BufferCounts?
    public var sortKey: [String]?
    public var sortMethod: String?
    public var sortSpaceUsed: Int?
    /// `Memory` or `Disk`.
    public var sortSpaceType: String?
    public var hashBuckets: Int?
    public var hashBatches: Int?
    public var originalHashBatches: Int?
    public var peakMemoryUsage: Int?
    public var diskUsage: Int?
    public var workersPlanned: Int?
    public var workersLaunched: Int?
    /// Processes sharing this node's loops: the leader plus the workers of the Gather above it (1
    /// outside parallel plans). Its loops count every process, its times are per-process averages.
    public var processes: Double = 1
    public var children: [PlanNode]

    public init(id: Int = 0, nodeType: PlanNodeType, startupCost: Double = 0, totalCost: Double = 0, planRows: Double = 0,
                planWidth: Int = 0, children: [PlanNode] = []) {
        self.id = id
        self.nodeType = nodeType
        self.startupCost = startupCost
        self.totalCost = totalCost
        self.planRows = planRows
        self.planWidth = planWidth
        self.neverExecuted = false
        self.children = children
    }

    /// Every node of the subtree in pre-order (self first).
    public var allNodes: [PlanNode] {
        var result: [PlanNode] = []
        var stack = [self]
        while let node = stack.popLast() {
            result.append(node)
            stack.append(contentsOf: node.children.reversed())
        }
        return result
    }

    public var isAnalyzed: Bool { actualTotalTime != nil || neverExecuted }

    /// Rows over all loops (EXPLAIN's `actual rows` is per loop).
    public var totalActualRows: Double? {
        actualRows.map { $0 * (actualLoops ?? 1) }
    }

    /// Time spent in this node and below over all loops: EXPLAIN reports the per-loop average.
    /// In a parallel plan the processes run at the same time, so their loops are divided among them.
    public var inclusiveTime: Double? {
        actualTotalTime.map { $0 * (actualLoops ?? 1) / processes }
    }

    /// Time spent in this node itself: inclusive time minus its children's (never negative; CTE
    /// and parallel plans can report children longer than the parent).
    public var exclusiveTime: Double? {
        guard let inclusive = inclusiveTime else { return nil }
        let children = self.children.compactMap(\.inclusiveTime).reduce(0, +)
        return max(0, inclusive - children)
    }

    /// `Seq Scan on orders o`, `Index Scan using orders_pkey on orders`, `Hash Join`.
    public var summary: String {
        var text = nodeType.name
        if let joinType, joinType != "Inner", nodeType.isJoin {
            text = nodeType == .nestedLoop ? "Nested Loop \(joinType)" : text.replacing("Join", with: "\(joinType) Join")
        }
        if let indexName { text += " using \(indexName)" }
        if let relationName {
            text += " on \(relationName)"
            if let alias, alias != relationName { text += " \(alias)" }
        }
        if let subplanName { text = "\(subplanName): \(text)" }
        return text
    }
}
