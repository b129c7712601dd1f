import Foundation

/// One statement's plan: EXPLAIN (FORMAT JSON) output, or an auto_explain JSON plan from a log.
public struct ExplainPlan: Sendable, Hashable, Codable {
    public var root: PlanNode
    public var planningTime: Double?
    public var executionTime: Double?
    /// Non-default planner settings (`SETTINGS`): `work_mem`, `random_page_cost`, …
    public var settings: [String: String]
    /// auto_explain's `Query Text`, when the plan came from a log.
    public var queryText: String?

    public init(root: PlanNode, planningTime: Double? = nil, executionTime: Double? = nil,
                settings: [String: String] = [:], queryText: String? = nil) {
        self.root = root
        self.planningTime = planningTime
        self.executionTime = executionTime
        self.settings = settings
        self.queryText = queryText
    }

    public var isAnalyzed: Bool { root.isAnalyzed }

    public var nodes: [PlanNode] { root.allNodes }

    public func node(_ id: Int) -> PlanNode? { nodes.first { $0.id == id } }

    /// The denominator for time shares: execution time, else the root's inclusive time.
    public var totalTime: Double? { executionTime ?? root.inclusiveTime }

    /// Decodes EXPLAIN's JSON (`[{"Plan": …}]`) or auto_explain's (`{"Query Text": …, "Plan": …}`).
    public static func decode(_ json: String) throws(PlanDecodingError) -> ExplainPlan {
        try decode(Data(json.utf8))
    }

    public static func decode(_ data: Data) throws(PlanDecodingError) -> ExplainPlan {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw PlanDecodingError("plan is not JSON: \(error.localizedDescription)")
        }
        let top: [String: Any]
        if let array = object as? [Any], let first = array.first as? [String: Any] {
            top = first
        } else if let dictionary = object as? [String: Any] {
            top = dictionary
        } else {
            throw PlanDecodingError("plan JSON is neither an object nor an array of objects")
        }
        guard let planObject = top["Plan"] as? [String: Any] else {
            throw PlanDecodingError("plan JSON has no \"Plan\" object")
        }
        var root = try decodeNode(planObject)
        var nextID = 0
        numberAndCountProcesses(&root, processes: 1, nextID: &nextID)
        var settings: [String: String] = [:]
        for (key, value) in top["Settings"] as? [String: Any] ?? [:] { settings[key] = "\(value)" }
        return ExplainPlan(root: root, planningTime: top["Planning Time"] as? Double,
                           executionTime: top["Execution Time"] as? Double, settings: settings,
                           queryText: top["Query Text"] as? String)
    }

    private static func decodeNode(_ object: [String: Any]) throws(PlanDecodingError) -> PlanNode {
        guard let nodeType = object["Node Type"] as? String else {
            throw PlanDecodingError("plan node without \"Node Type\"")
        }
        // A plan may come from a log anyone could write: a count or time that is not a finite,
        // non-negative number reads as absent rather than poisoning every sum and ratio above it.
        func double(_ key: String) -> Double? {
            guard let value = (object[key] as? NSNumber)?.doubleValue, value.isFinite, value >= 0 else { return nil }
            return value
        }
        func int(_ key: String) -> Int? { double(key).map(Int.init(saturating:)) }
        func string(_ key: String) -> String? { object[key] as? String }
        var node = PlanNode(nodeType: PlanNodeType(nodeType), startupCost: double("Startup Cost") ?? 0,
                            totalCost: double("Total Cost") ?? 0, planRows: double("Plan Rows") ?? 0,
                            planWidth: int("Plan Width") ?? 0)
        node.parentRelationship = string("Parent Relationship")
        node.subplanName = string("Subplan Name")
        node.relationName = string("Relation Name") ?? string("CTE Name") ?? string("Function Name")
        node.schema = string("Schema")
        node.alias = string("Alias")
        node.indexName = string("Index Name")
        node.joinType = string("Join Type")
        node.strategy = string("Strategy")
        node.scanDirection = string("Scan Direction")
        node.actualStartupTime = double("Actual Startup Time")
        node.actualTotalTime = double("Actual Total Time")
        node.actualRows = double("Actual Rows")
        node.actualLoops = double("Actual Loops")
        // EXPLAIN ANALYZE reports an unexecuted node with zero loops (text: "never executed").
        node.neverExecuted = node.actualLoops == 0
        node.filter = string("Filter")
        node.indexCond = string("Index Cond")
        node.recheckCond = string("Recheck Cond")
        node.joinFilter = string("Join Filter")
        node.hashCond = string("Hash Cond")
        node.mergeCond = string("Merge Cond")
        node.rowsRemovedByFilter = double("Rows Removed by Filter")
        node.rowsRemovedByJoinFilter = double("Rows Removed by Join Filter")
        node.rowsRemovedByIndexRecheck = double("Rows Removed by Index Recheck")
        node.heapFetches = double("Heap Fetches")
        if object["Shared Hit Blocks"] != nil {
            var buffers = BufferCounts()
            buffers.sharedHit = int("Shared Hit Blocks") ?? 0
            buffers.sharedRead = int("Shared Read Blocks") ?? 0
            buffers.sharedDirtied = int("Shared Dirtied Blocks") ?? 0
            buffers.sharedWritten = int("Shared Written Blocks") ?? 0
            buffers.localHit = int("Local Hit Blocks") ?? 0
            buffers.localRead = int("Local Read Blocks") ?? 0
            buffers.tempRead = int("Temp Read Blocks") ?? 0
            buffers.tempWritten = int("Temp Written Blocks") ?? 0
            node.buffers = buffers
        }
        node.sortKey = object["Sort Key"] as? [String]
        node.sortMethod = string("Sort Method")
        node.sortSpaceUsed = int("Sort Space Used")
        node.sortSpaceType = string("Sort Space Type")
        node.hashBuckets = int("Hash Buckets")
        node.hashBatches = int("Hash Batches")
        node.originalHashBatches = int("Original Hash Batches")
        node.peakMemoryUsage = int("Peak Memory Usage")
        node.diskUsage = int("Disk Usage")
        node.workersPlanned = int("Workers Planned")
        node.workersLaunched = int("Workers Launched")
        for child in object["Plans"] as? [[String: Any]] ?? [] {
            node.children.append(try decodeNode(child))
        }
        return node
    }
}

/// Why a text is not an EXPLAIN plan; `description` is one line.
public struct PlanDecodingError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
