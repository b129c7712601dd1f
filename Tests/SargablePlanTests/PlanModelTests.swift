import Foundation
import SargableCore
import SargableLint
import SargablePlan
import SargableRules
import Testing

struct PlanRuleExampleTests {
    @Test("every plan rule fires on its bad examples and not on its good ones",
          arguments: RuleRegistry.planRules.map(RuleBox.init))
    func examples(_ box: RuleBox) throws {
        let rule = box.rule
        let metadata = rule.metadata
        #expect(!metadata.bad.isEmpty && !metadata.good.isEmpty)
        for example in metadata.bad {
            #expect(example.language == .json)
            // `↓` before a node's "Node Type" marks a node the rule must report, in plan order.
            let (json, markers) = RuleCatalogue.stripMarkers(example.text)
            let plan = try ExplainPlan.decode(json)
            #expect(!markers.isEmpty, "\(metadata.id): a bad plan marks the node it expects with ↓")
            let expected = markers.map { offset in
                String(decoding: Array(json.utf8.prefix(offset)), as: UTF8.self).components(separatedBy: "\"Node Type\"").count - 1
            }
            #expect(rule.check(plan).map(\.nodeID) == expected, "\(metadata.id) reports other nodes than its bad example marks")
            #expect(rule.check(plan).allSatisfy { $0.finding.rule == metadata.id })
        }
        for example in metadata.good {
            #expect(!example.text.contains(RuleCatalogue.marker), "good examples carry no ↓")
            let plan = try ExplainPlan.decode(example.text)
            #expect(rule.check(plan).isEmpty, "\(metadata.id) fires on its good example: \(rule.check(plan).map(\.finding.message))")
        }
    }

    @Test func planRulesAreInTheCatalogue() {
        // Every plan rule `explain` runs is documented in the catalogue under its own id.
        let documented = Dictionary(grouping: RuleRegistry.allMetadata, by: \.id)
        for rule in RuleRegistry.planRules {
            #expect(documented[rule.metadata.id]?.count == 1, "\(rule.metadata.id)")
            #expect([.plan, .database].contains(rule.metadata.category), "\(rule.metadata.id)")
        }
        #expect(!RuleRegistry.planRules.isEmpty)
    }
}

/// Swift Testing arguments must be Sendable; a metatype box names the rule in the test report.
struct RuleBox: Sendable, CustomTestStringConvertible {
    let rule: any PlanRule.Type
    init(_ rule: any PlanRule.Type) { self.rule = rule }
    var testDescription: String { rule.metadata.id }
}

struct PlanDecodingTests {
    @Test func decodesNodesFieldsAndTimes() throws {
        let plan = try ExplainPlan.decode(PlanSamples.sortSpill)
        #expect(plan.root.nodeType == .limit)
        #expect(plan.executionTime != nil && plan.planningTime != nil)
        #expect(plan.settings["work_mem"] == "64kB")
        let sort = try #require(plan.nodes.first { $0.nodeType == .sort })
        #expect(sort.id == 1)
        #expect(sort.sortMethod == "external merge")
        #expect(sort.sortSpaceType == "Disk")
        #expect(sort.sortKey == ["total_cents", "id"])
        let scan = try #require(sort.children.first)
        #expect(scan.relationName == "orders")
        #expect(scan.actualLoops == 1)
        #expect(plan.nodes.map(\.id) == [0, 1, 2])
        // Exclusive times add up to the root's inclusive time.
        let exclusive = plan.nodes.compactMap(\.exclusiveTime).reduce(0, +)
        #expect(abs(exclusive - (plan.root.inclusiveTime ?? 0)) < 0.001)
    }

    @Test func decodesAutoExplainShape() throws {
        let json = #"{"Query Text": "SELECT 1", "Plan": {"Node Type": "Result", "Startup Cost": 0.00, "Total Cost": 0.01, "Plan Rows": 1, "Plan Width": 4}}"#
        let plan = try ExplainPlan.decode(json)
        #expect(plan.queryText == "SELECT 1")
        #expect(plan.root.nodeType == .result)
        #expect(!plan.isAnalyzed)
    }

    @Test(arguments: ["not json", "[]", #"{"Plan": {"Startup Cost": 1}}"#, #"[{"Query": 1}]"#])
    func rejectsWhatIsNotAPlan(_ text: String) {
        #expect(throws: PlanDecodingError.self) { try ExplainPlan.decode(text) }
    }
}

/// Captured plans reused from the catalogue's examples.
enum PlanSamples {
    // The documented example, without the `↓` that marks the node the rule reports.
    static let sortSpill = RuleCatalogue.stripMarkers(PlanSortSpill.metadata.bad[0].text).sql
}

/// Plans can come from logs anyone writes (auto_explain): absurd numbers must not trap any rule.
struct HostilePlanNumberTests {
    @Test(arguments: ["1e308", "1.7976931348623157e308", "-5", "9223372036854775808", "0"])
    func absurdCountsNeverTrap(value: String) throws {
        let json = """
            [{"Plan": {"Node Type": "Nested Loop", "Plan Rows": \(value), "Actual Rows": \(value), "Actual Loops": 1,
              "Actual Total Time": \(value), "Total Cost": \(value), "Plan Width": \(value),
              "Plans": [
                {"Node Type": "Seq Scan", "Relation Name": "t", "Plan Rows": 1, "Actual Rows": \(value),
                 "Actual Loops": \(value), "Actual Total Time": \(value), "Filter": "(a = 1)",
                 "Rows Removed by Filter": \(value), "Sort Space Used": \(value)},
                {"Node Type": "Index Only Scan", "Index Name": "i", "Relation Name": "u", "Plan Rows": 1,
                 "Actual Rows": 1, "Actual Loops": 1, "Actual Total Time": 1, "Heap Fetches": \(value)}]}}]
            """
        let plan = try ExplainPlan.decode(json)
        // Every rule runs over the numbers and formats them into messages.
        for rule in RuleRegistry.planRules { _ = rule.check(plan).map(\.finding.message) }
        let negative = value.hasPrefix("-")
        #expect((plan.root.planRows < 0) == false)
        #expect(negative ? plan.root.actualRows == nil : plan.root.actualRows != nil)
    }

    @Test func saturatingConversion() {
        #expect(Int(saturating: 1e300) == .max)
        #expect(Int(saturating: -1e300) == .min)
        #expect(Int(saturating: .nan) == 0)
        #expect(Int(saturating: .infinity) == .max)
        #expect(Int(saturating: 2.5) == 3)
        #expect(Int(saturating: -2.4) == -2)
    }
}

/// Which nodes `plan-hotspot` names, on plans built node by node so each case isolates one shape.
struct PlanHotspotSelectionTests {
    /// A node that took `exclusive` ms itself, over one loop, above `children`.
    func node(_ type: PlanNodeType, exclusive: Double, _ children: [PlanNode] = []) -> PlanNode {
        var node = PlanNode(nodeType: type, children: children)
        node.actualTotalTime = exclusive + children.compactMap(\.inclusiveTime).reduce(0, +)
        node.actualRows = 1
        node.actualLoops = 1
        return node
    }

    /// Numbers the nodes in plan order, as the decoder does, and names the hotspots' types.
    func hotspots(_ root: PlanNode) -> [String] {
        var nextID = 0
        func number(_ node: inout PlanNode) {
            node.id = nextID
            nextID += 1
            for index in node.children.indices { number(&node.children[index]) }
        }
        var root = root
        number(&root)
        let plan = ExplainPlan(root: root)
        return PlanHotspot.check(plan).compactMap { plan.node($0.nodeID)?.nodeType.name }
    }

    @Test(arguments: [PlanNodeType.gather, .gatherMerge, .modifyTable, .limit])
    func nodesNobodyTunesAreNeverHotspots(_ type: PlanNodeType) {
        #expect(hotspots(node(type, exclusive: 90, [node(.seqScan, exclusive: 10)])) == [])
        // The node below is still reported when it is the heavy one.
        #expect(hotspots(node(type, exclusive: 10, [node(.seqScan, exclusive: 90)])) == ["Seq Scan"])
    }

    @Test func onlyTheHeaviestNodeOfAPathIsReported() {
        // Sort 45% above a Seq Scan at 50%: both pass 40%, one path, so only the scan.
        #expect(hotspots(node(.aggregate, exclusive: 5, [node(.sort, exclusive: 45, [node(.seqScan, exclusive: 50)])])) == ["Seq Scan"])
        #expect(hotspots(node(.sort, exclusive: 50, [node(.seqScan, exclusive: 45)])) == ["Sort"])
    }

    @Test func heavyNodesOnDifferentPathsAreBothReported() {
        let join = node(.hashJoin, exclusive: 2, [node(.seqScan, exclusive: 49), node(.hash, exclusive: 0, [node(.seqScan, exclusive: 49)])])
        #expect(hotspots(join) == ["Seq Scan", "Seq Scan"])
    }
}
