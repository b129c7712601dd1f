/// A typed view of one parse-tree node: generated per proto message (`AExpr`, `CreateStmt`, …) in
/// `Generated/NodeTypes.swift`, so a misspelt field or enum value fails to compile. The view holds
/// the node and reads fields on demand; nothing is decoded up front.
public protocol NodeView: Sendable {
    /// The node kind a wrapped node of this message has; nil for messages that only appear as plain
    /// members of other nodes (`RangeVar` appears both ways).
    static var nodeKind: NodeKind? { get }
    var node: Node { get }
    /// Wraps `node` without checking its kind: for members whose proto type is this message.
    init(unchecked node: Node)
}

extension Node {
    /// This node as `view` when it is a node of that kind (`node.as(AExpr.self)?.kind == .op`).
    @inlinable public func `as`<View: NodeView>(_ view: View.Type) -> View? {
        guard let expected = View.nodeKind, kind == expected else { return nil }
        return View(unchecked: self)
    }
}

extension Node {
    /// This scalar as a value of a proto enum (`comparison[.kind]?.enumValue() as AExprKind?`); nil
    /// for a value this build does not know or a member that is not a string.
    public func enumValue<Value: ProtoEnum>(_: Value.Type = Value.self) -> Value? {
        let entry = self.entry
        guard entry.kind == .string else { return nil }  // enum names never need JSON escapes
        let start = Int(entry.valueStart)
        return Value.protoEnumTable.value(named: UnsafeBufferPointer(rebasing: tree.json[start ..< start + Int(entry.valueLength)]))
    }
}
