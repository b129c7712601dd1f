import SargableCore

/// A finding about one node of a plan.
public struct PlanFinding: Sendable, Hashable, Codable {
    /// `PlanNode.id` of the node concerned.
    public var nodeID: Int
    public var finding: Finding

    public init(nodeID: Int, finding: Finding) {
        self.nodeID = nodeID
        self.finding = finding
    }
}

/// A catalogue rule that reads a plan.
public protocol PlanRule: DocumentedRule {
    static func check(_ plan: ExplainPlan) -> [PlanFinding]
}

extension PlanRule {
    public static var input: RuleInput { .plan }

    /// A finding with this rule's id and default severity.
    public static func finding(_ node: PlanNode, _ message: String, help: String, severity: Severity? = nil) -> PlanFinding {
        PlanFinding(nodeID: node.id, finding: Finding(rule: metadata.id, severity: severity ?? metadata.severity,
                                                      message: message, help: help))
    }
}
