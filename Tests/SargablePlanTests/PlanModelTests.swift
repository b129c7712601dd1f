import Foundation
import SargableCore
import SargablePlan
import SargableRules
import Testing

struct PlanRuleExampleTests {
    @Test("every plan rule fires on its bad examples and not on its good ones",
          arguments: PlanChecks.rules.map { $0 as any PlanRule.Type }.map(RuleBox.init))
    func examples(_ box: RuleBox) throws {
        let rule = box.rule
        let metadata = rule.metadata
        #expect(!metadata.bad.isEmpty && !metadata.good.isEmpty)
        for example in metadata.bad {
            #expect(example.language == .json)
            let plan = try ExplainPlan.decode(example.text)
            #expect(!rule.check(plan).isEmpty, "\(metadata.id) misses its bad example")
            #expect(rule.check(plan).allSatisfy { $0.finding.rule == metadata.id })
        }
        for example in metadata.good {
            let plan = try ExplainPlan.decode(example.text)
            #expect(rule.check(plan).isEmpty, "\(metadata.id) fires on its good example: \(rule.check(plan).map(\.finding.message))")
        }
    }

    @Test func planRulesAreInTheCatalogue() {
        let ids = PlanAndDatabaseRules.all.map { $0.metadata.id }
        #expect(ids == ["plan-seq-scan-filter", "plan-row-misestimate", "plan-sort-spill", "plan-nested-loop-inner-scan",
                        "plan-heap-fetches", "plan-hotspot", "unused-index", "invalid-index"])
    }
}

/// Swift Testing arguments must be Sendable; a metatype box names the rule in the test report.
struct RuleBox: Sendable, CustomTestStringConvertible {
    nonisolated(unsafe) let rule: any PlanRule.Type
    init(_ rule: any PlanRule.Type) { self.rule = rule }
    var testDescription: String { rule.metadata.id }
}

struct PlanDecodingTests {
    @Test func decodesNodesFieldsAndTimes() throws {
        let plan = try ExplainPlan.decode(PlanSamples.sortSpill)
        #expect(plan.root.nodeType == "Limit")
        #expect(plan.executionTime != nil && plan.planningTime != nil)
        #expect(plan.settings["work_mem"] == "64kB")
        let sort = try #require(plan.nodes.first { $0.nodeType == "Sort" })
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
        #expect(plan.root.nodeType == "Result")
        #expect(!plan.isAnalyzed)
    }

    @Test(arguments: ["not json", "[]", #"{"Plan": {"Startup Cost": 1}}"#, #"[{"Query": 1}]"#])
    func rejectsWhatIsNotAPlan(_ text: String) {
        #expect(throws: PlanDecodingError.self) { try ExplainPlan.decode(text) }
    }
}

/// Captured plans reused from the catalogue's examples.
enum PlanSamples {
    static let sortSpill = PlanSortSpill.metadata.bad[0].text
}
