import Foundation

extension ExplainPlan {
    /// A plan as a log or a user gives it: JSON (EXPLAIN (FORMAT JSON), auto_explain's `json`
    /// format) or text (EXPLAIN's default, auto_explain's `text` format).
    public static func decode(logged plan: String) throws(PlanDecodingError) -> ExplainPlan {
        let start = plan.first { !$0.isWhitespace }
        return start == "{" || start == "[" ? try decode(plan) : try decode(text: plan)
    }

    /// auto_explain's `Query Text` of a logged plan, JSON or text, without reading the plan: the
    /// lines before the first node in text (the query may span several).
    public static func queryText(ofLogged plan: String) -> String? {
        let start = plan.first { !$0.isWhitespace }
        if start == "{" || start == "[" {
            let object = try? JSONSerialization.jsonObject(with: Data(plan.utf8))
            return ((object as? [[String: Any]])?.first ?? object as? [String: Any])?["Query Text"] as? String
        }
        var reader = TextPlanReader()
        for line in plan.split(separator: "\n", omittingEmptySubsequences: false) {
            guard (try? reader.read(line.hasSuffix("\r") ? line.dropLast() : line)) != nil, reader.stack.isEmpty else { break }
        }
        return reader.queryText
    }

    /// Reads EXPLAIN's text format into the model the JSON format gives: the same node types,
    /// join types, strategies, relations, conditions, costs, actual rows and loops, sort and hash
    /// figures, buffers, and the `Outer` / `Inner` / `Member` / `Subquery` / `InitPlan` /
    /// `SubPlan` relationships that text leaves implicit. Lines before the first node (auto_explain's
    /// `Query Text: …`) give the query text.
    public static func decode(text: String) throws(PlanDecodingError) -> ExplainPlan {
        var reader = TextPlanReader()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            try reader.read(line.hasSuffix("\r") ? line.dropLast() : line)
        }
        guard var root = reader.finish() else { throw PlanDecodingError("text plan has no node line (`Name  (cost=…)`)") }
        var nextID = 0
        numberAndCountProcesses(&root, processes: 1, nextID: &nextID)
        return ExplainPlan(root: root, planningTime: reader.planningTime, executionTime: reader.executionTime,
                           settings: reader.settings, queryText: reader.queryText)
    }

    /// Pre-order ids, and the processes sharing each node's loops: below a Gather the leader and
    /// its workers share them (the leader takes part by default).
    static func numberAndCountProcesses(_ node: inout PlanNode, processes: Double, nextID: inout Int) {
        node.id = nextID
        nextID += 1
        node.processes = processes
        let childProcesses = node.nodeType.isGather ? Double((node.workersLaunched ?? node.workersPlanned ?? 0) + 1) : processes
        for index in node.children.indices {
            numberAndCountProcesses(&node.children[index], processes: childProcesses, nextID: &nextID)
        }
    }
}

/// Builds the tree line by line. A node's properties are indented two columns past its name, and
/// so are its children's `->` arrows (or the `SubPlan 1` line heading a child).
private struct TextPlanReader {
    struct Open {
        var node: PlanNode
        var nameColumn: Int
        /// Children without a heading so far: the first is `Outer`, the second `Inner`.
        var plainChildren = 0
    }

    var stack: [Open] = []
    var root: PlanNode?
    var queryLines: [Substring] = []
    var heading: String?
    var settings: [String: String] = [:]
    var planningTime: Double?
    var executionTime: Double?
    var sawBuffers = false
    var sawTiming = false

    var queryText: String? {
        guard !queryLines.isEmpty else { return nil }
        var text = queryLines.joined(separator: "\n")
        if text.hasPrefix("Query Text: ") { text.removeFirst(12) }
        return text
    }

    mutating func read(_ line: Substring) throws(PlanDecodingError) {
        let column = line.prefix { $0 == " " }.count
        let content = line.dropFirst(column)
        guard !content.isEmpty else { return }
        if root == nil, stack.isEmpty {
            if column == 0, Self.isNodeLine(content) {
                stack = [Open(node: try Self.node(content), nameColumn: 0)]
                sawTiming = sawTiming || stack[0].node.actualTotalTime != nil
            } else if !queryLines.isEmpty || content.hasPrefix("Query Text: ") {
                queryLines.append(line)
            } else {
                throw PlanDecodingError("text plan starts with neither a node nor `Query Text:`: \(line.prefix(80))")
            }
            return
        }
        while let top = stack.last, top.nameColumn + 2 > column { close() }
        if content.hasPrefix("->  ") {
            guard let parent = stack.indices.last else { return }
            // Plans come from logs anyone could write: the tree is walked recursively.
            guard stack.count < Self.deepest else { throw PlanDecodingError("text plan nests deeper than \(Self.deepest) nodes") }
            var node = try Self.node(content.dropFirst(4))
            if let heading {
                node.subplanName = heading
                node.parentRelationship = heading.hasPrefix("SubPlan") ? "SubPlan" : "InitPlan"
                self.heading = nil
            } else {
                node.parentRelationship = Self.relationship(under: stack[parent].node.nodeType, ordinal: stack[parent].plainChildren)
                stack[parent].plainChildren += 1
            }
            sawTiming = sawTiming || node.actualTotalTime != nil
            stack.append(Open(node: node, nameColumn: column + 4))
        } else if stack.isEmpty {
            // After the tree: EXPLAIN ANALYZE's times, `Settings:`, `JIT:`, triggers.
            guard column == 0 else { return }
            property(of: nil, content)
        } else if content.hasPrefix("SubPlan ") || content.hasPrefix("InitPlan ") || content.hasPrefix("CTE "),
                  !content.contains(": ") {
            heading = String(content)
        } else {
            property(of: stack.count - 1, content)
        }
    }

    mutating func finish() -> PlanNode? {
        while !stack.isEmpty { close() }
        guard var root else { return nil }
        Self.fillZeros(&root, buffers: sawBuffers, timing: sawTiming, analyzed: root.actualRows != nil)
        return root
    }

    /// Text leaves out what is zero where JSON prints it: `Buffers:` lines (when any node has
    /// one, BUFFERS was on), rows removed by a filter, join filter or index recheck, and the
    /// times of a node never executed (when the others have times, TIMING was on).
    private static func fillZeros(_ node: inout PlanNode, buffers: Bool, timing: Bool, analyzed: Bool) {
        if buffers, node.buffers == nil { node.buffers = BufferCounts() }
        if node.neverExecuted, timing {
            node.actualStartupTime = 0
            node.actualTotalTime = 0
        }
        if analyzed {
            if node.filter != nil, node.rowsRemovedByFilter == nil { node.rowsRemovedByFilter = 0 }
            if node.joinFilter != nil, node.rowsRemovedByJoinFilter == nil { node.rowsRemovedByJoinFilter = 0 }
            let rechecks = node.nodeType == .bitmapHeapScan ? node.recheckCond != nil
                : (node.nodeType == .indexScan || node.nodeType == .indexOnlyScan) && node.indexCond != nil
            if rechecks, node.rowsRemovedByIndexRecheck == nil { node.rowsRemovedByIndexRecheck = 0 }
        }
        for index in node.children.indices {
            fillZeros(&node.children[index], buffers: buffers, timing: timing, analyzed: analyzed)
        }
    }

    private mutating func close() {
        let open = stack.removeLast()
        if stack.isEmpty {
            root = open.node
        } else {
            stack[stack.count - 1].node.children.append(open.node)
        }
    }

    static let deepest = 1000

    /// What JSON calls a child that text shows with no heading.
    static func relationship(under parent: PlanNodeType, ordinal: Int) -> String {
        switch parent {
        case .append, .mergeAppend, .bitmapAnd, .bitmapOr, .customScan: return "Member"
        case .subqueryScan: return "Subquery"
        default: return ordinal == 0 ? "Outer" : "Inner"
        }
    }

    static func isNodeLine(_ content: Substring) -> Bool {
        content.contains("  (cost=") || content.contains("  (actual ") || content.hasSuffix("  (never executed)")
    }

    // MARK: properties

    private mutating func property(of index: Int?, _ content: Substring) {
        // Lines without a value are headings (`JIT:`, `Worker 0:`).
        guard let colon = content.range(of: ": ") else { return }
        let key = String(content[..<colon.lowerBound])
        let value = String(content[colon.upperBound...]).trimmingCharacters(in: .whitespaces)
        guard let index else {
            switch key {
            case "Planning Time": planningTime = Self.milliseconds(value)
            case "Execution Time": executionTime = Self.milliseconds(value)
            case "Settings": settings = Self.settings(value)
            default: break
            }
            return
        }
        var node = stack[index].node
        // Lines holding several figures two spaces apart: `Sort Method: quicksort  Memory: 25kB`.
        let compound: Set<String> = ["Sort Method", "Buckets", "Batches", "Hits", "Full-sort Groups", "Pre-sorted Groups"]
        let pairs: [(String, String)] = compound.contains(key)
            ? content.components(separatedBy: "  ").compactMap { part in
                guard let separator = part.range(of: ": ") else { return nil }
                return (String(part[..<separator.lowerBound]), String(part[separator.upperBound...]))
            }
            : [(key, value)]
        for (key, value) in pairs { Self.set(key, value, on: &node, sawBuffers: &sawBuffers) }
        stack[index].node = node
    }

    private static func set(_ key: String, _ value: String, on node: inout PlanNode, sawBuffers: inout Bool) {
        switch key {
        case "Filter": node.filter = value
        case "Index Cond": node.indexCond = value
        case "Recheck Cond": node.recheckCond = value
        case "Join Filter": node.joinFilter = value
        case "Hash Cond": node.hashCond = value
        case "Merge Cond": node.mergeCond = value
        case "Rows Removed by Filter": node.rowsRemovedByFilter = number(value)
        case "Rows Removed by Join Filter": node.rowsRemovedByJoinFilter = number(value)
        case "Rows Removed by Index Recheck": node.rowsRemovedByIndexRecheck = number(value)
        case "Heap Fetches": node.heapFetches = number(value)
        case "Sort Key": node.sortKey = topLevelList(value)
        case "Sort Method": node.sortMethod = value
        case "Memory", "Disk":
            node.sortSpaceType = key == "Memory" ? "Memory" : "Disk"
            node.sortSpaceUsed = kilobytes(value)
        case "Buckets":
            node.hashBuckets = leadingInt(value)
        case "Batches":
            if node.nodeType == .hash {
                node.hashBatches = leadingInt(value)
                // JSON gives the original count even when it did not change.
                node.originalHashBatches = originally(value) ?? node.hashBatches
            }
        case "Memory Usage":
            node.peakMemoryUsage = kilobytes(value)
            if node.nodeType == .aggregate, node.diskUsage == nil { node.diskUsage = 0 }
        case "Disk Usage": node.diskUsage = kilobytes(value)
        case "Workers Planned": node.workersPlanned = leadingInt(value)
        case "Workers Launched": node.workersLaunched = leadingInt(value)
        case "Buffers":
            sawBuffers = true
            node.buffers = buffers(value)
        default: break
        }
    }

    static func number(_ text: String) -> Double? {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else { return nil }
        return value
    }

    static func leadingInt(_ text: String) -> Int? { Int(text.prefix { $0.isNumber }) }

    /// `25kB` → 25.
    static func kilobytes(_ text: String) -> Int? {
        text.hasSuffix("kB") ? leadingInt(text) : nil
    }

    /// `2 (originally 1)` → 1.
    static func originally(_ text: String) -> Int? {
        guard let range = text.range(of: "(originally ") else { return nil }
        return leadingInt(String(text[range.upperBound...]))
    }

    static func milliseconds(_ text: String) -> Double? {
        text.hasSuffix(" ms") ? number(String(text.dropLast(3))) : nil
    }

    /// A comma-separated list whose items may hold commas inside parentheses or quotes.
    static func topLevelList(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        var characters = text.makeIterator()
        while let character = characters.next() {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            } else if character == ",", depth == 0 {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        items.append(current.trimmingCharacters(in: .whitespaces))
        return items
    }

    /// `work_mem = '64kB', random_page_cost = '1.1'`.
    static func settings(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for item in topLevelList(text) {
            guard let equals = item.range(of: " = ") else { continue }
            var value = String(item[equals.upperBound...])
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            result[String(item[..<equals.lowerBound])] = value
        }
        return result
    }

    /// `shared hit=3 read=1, local written=2, temp read=5 written=5`.
    static func buffers(_ text: String) -> BufferCounts {
        var counts = BufferCounts()
        for group in text.components(separatedBy: ", ") {
            var words = group.split(separator: " ")
            guard let scope = words.first else { continue }
            words.removeFirst()
            for word in words {
                let pair = word.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let value = Int(pair[1]) else { continue }
                switch (scope, pair[0]) {
                case ("shared", "hit"): counts.sharedHit = value
                case ("shared", "read"): counts.sharedRead = value
                case ("shared", "dirtied"): counts.sharedDirtied = value
                case ("shared", "written"): counts.sharedWritten = value
                case ("local", "hit"): counts.localHit = value
                case ("local", "read"): counts.localRead = value
                case ("temp", "read"): counts.tempRead = value
                case ("temp", "written"): counts.tempWritten = value
                default: break
                }
            }
        }
        return counts
    }

    // MARK: node lines

    /// `Index Scan using t_pkey on t  (cost=0.29..8.31 rows=1 width=33) (actual time=0.02..0.03 rows=1 loops=1)`.
    static func node(_ content: Substring) throws(PlanDecodingError) -> PlanNode {
        let headEnd = content.range(of: "  (")?.lowerBound ?? content.endIndex
        var node = head(String(content[..<headEnd]))
        let figures = content[headEnd...]
        if let cost = parenthesized(figures, after: "(cost=") {
            let parts = cost.split(separator: " ")
            if let range = parts.first?.components(separatedBy: ".."), range.count == 2 {
                node.startupCost = number(range[0]) ?? 0
                node.totalCost = number(range[1]) ?? 0
            }
            for part in parts.dropFirst() {
                if part.hasPrefix("rows=") { node.planRows = number(String(part.dropFirst(5))) ?? 0 }
                if part.hasPrefix("width=") { node.planWidth = leadingInt(String(part.dropFirst(6))) ?? 0 }
            }
        }
        if figures.contains("(never executed)") {
            node.neverExecuted = true
            node.actualRows = 0
            node.actualLoops = 0
        } else if let actual = parenthesized(figures, after: "(actual ") {
            for part in actual.split(separator: " ") {
                if part.hasPrefix("time="), case let range = part.dropFirst(5).components(separatedBy: ".."), range.count == 2 {
                    node.actualStartupTime = number(range[0])
                    node.actualTotalTime = number(range[1])
                }
                if part.hasPrefix("rows=") { node.actualRows = number(String(part.dropFirst(5))) }
                if part.hasPrefix("loops=") { node.actualLoops = number(String(part.dropFirst(6))) }
            }
        }
        return node
    }

    private static func parenthesized(_ text: Substring, after opening: String) -> Substring? {
        guard let start = text.range(of: opening), let end = text[start.upperBound...].firstIndex(of: ")") else { return nil }
        return text[start.upperBound ..< end]
    }

    private static let joinTypes = ["Left", "Right", "Full", "Semi", "Anti", "Right Anti"]
    private static let aggregateStrategies = [
        ("Aggregate", "Plain"), ("GroupAggregate", "Sorted"), ("HashAggregate", "Hashed"), ("MixedAggregate", "Mixed"),
    ]
    /// Scans whose text names one thing after `on`: the relation, function or CTE, and its alias.
    private static let namedScans: [PlanNodeType] = [
        .seqScan, .sampleScan, .bitmapHeapScan, .tidScan, .tidRangeScan, .foreignScan, .functionScan, .cteScan,
        .workTableScan, .namedTuplestoreScan, .subqueryScan, .valuesScan, .tableFunctionScan,
    ]

    /// The node's name as text prints it: `Hash Left Join`, `Partial HashAggregate`,
    /// `Parallel Seq Scan on t t1`, `Index Scan Backward using i on t`, `Update on t`.
    static func head(_ text: String) -> PlanNode {
        var name = text
        for marker in ["Parallel ", "Async ", "Partial ", "Finalize "] where name.hasPrefix(marker) { name.removeFirst(marker.count) }
        if let (type, joinType) = join(name) {
            var node = PlanNode(nodeType: type)
            node.joinType = joinType
            return node
        }
        if let (_, strategy) = aggregateStrategies.first(where: { $0.0 == name }) {
            var node = PlanNode(nodeType: .aggregate)
            node.strategy = strategy
            return node
        }
        if name.hasPrefix("SetOp ") || name.hasPrefix("HashSetOp ") {
            var node = PlanNode(nodeType: .setOp)
            node.strategy = name.hasPrefix("Hash") ? "Hashed" : "Sorted"
            return node
        }
        for operation in ["Insert", "Update", "Delete", "Merge"] where name.hasPrefix(operation + " on ") {
            var node = PlanNode(nodeType: .modifyTable)
            relation(String(name.dropFirst(operation.count + 4)), into: &node)
            return node
        }
        for type in [PlanNodeType.indexOnlyScan, .indexScan] where name.hasPrefix(type.name + " ") {
            var rest = name.dropFirst(type.name.count + 1)
            var node = PlanNode(nodeType: type)
            node.scanDirection = "Forward"
            if rest.hasPrefix("Backward ") {
                node.scanDirection = "Backward"
                rest = rest.dropFirst(9)
            }
            if rest.hasPrefix("using "), let on = rest.range(of: " on ") {
                node.indexName = unquoted(rest[rest.index(rest.startIndex, offsetBy: 6) ..< on.lowerBound])
                relation(String(rest[on.upperBound...]), into: &node)
            }
            return node
        }
        if name.hasPrefix("Bitmap Index Scan on ") {
            var node = PlanNode(nodeType: .bitmapIndexScan)
            node.indexName = unquoted(name.dropFirst(21))
            return node
        }
        if name.hasPrefix("Custom Scan") {
            var node = PlanNode(nodeType: .customScan)
            if let on = name.range(of: " on ") { relation(String(name[on.upperBound...]), into: &node) }
            return node
        }
        for type in namedScans where name.hasPrefix(type.name + " on ") {
            var node = PlanNode(nodeType: type)
            let target = String(name.dropFirst(type.name.count + 4))
            switch type {
            case .subqueryScan, .valuesScan, .tableFunctionScan: node.alias = unquoted(target[...])
            default: relation(target, into: &node)
            }
            return node
        }
        return PlanNode(nodeType: PlanNodeType(name))
    }

    private static func join(_ name: String) -> (PlanNodeType, String)? {
        if name == "Nested Loop" { return (.nestedLoop, "Inner") }
        if name.hasPrefix("Nested Loop "), name.hasSuffix(" Join") {
            let type = String(name.dropFirst(12).dropLast(5))
            return joinTypes.contains(type) ? (.nestedLoop, type) : nil
        }
        for (type, word) in [(PlanNodeType.hashJoin, "Hash"), (.mergeJoin, "Merge")] where name.hasPrefix(word + " ") && name.hasSuffix(" Join") {
            let middle = String(name.dropFirst(word.count + 1).dropLast(5))
            if middle.isEmpty || name == word + " Join" { return (type, "Inner") }
            if joinTypes.contains(middle) { return (type, middle) }
        }
        return nil
    }

    /// `orders o`, `public.orders`, `"Order Items" oi`: the relation (schema when qualified) and alias.
    private static func relation(_ text: String, into node: inout PlanNode) {
        let words = splitOutsideQuotes(text)
        guard let first = words.first else { return }
        let qualified = splitOutsideQuotes(first, separator: ".")
        if qualified.count == 2 {
            node.schema = unquoted(qualified[0][...])
            node.relationName = unquoted(qualified[1][...])
        } else {
            node.relationName = unquoted(first[...])
        }
        node.alias = words.count > 1 ? unquoted(words[1][...]) : node.relationName
    }

    private static func splitOutsideQuotes(_ text: String, separator: Character = " ") -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            if character == separator, !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.filter { !$0.isEmpty }
    }

    private static func unquoted(_ text: Substring) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return String(text) }
        return text.dropFirst().dropLast().replacingOccurrences(of: "\"\"", with: "\"")
    }
}
