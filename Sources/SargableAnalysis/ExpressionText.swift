import SargableSyntax

/// A compact text of an expression (`lower(email)`, `(created_at)::date`) for messages and help.
/// It is not an identity: shapes it does not print read as their node kind, and deep ones as `…`;
/// `ExpressionIdentity` decides whether two expressions are the same.
public enum ExpressionText {
    /// Deeper expressions print as `…`; messages stay short and pathological input stays cheap.
    static let maxDepth = 24

    public static func of(_ node: Node) -> String { text(node, depth: 0) }

    private static func text(_ node: Node, depth: Int) -> String {
        guard depth < maxDepth else { return "…" }
        let inner = { (child: Node?) -> String in child.map { text($0, depth: depth + 1) } ?? "?" }
        switch node.kind {
        case .columnRef:
            if node.isStarReference { return "*" }
            return node.columnReference?.column ?? "?"
        case .aConst:
            if let value = node.integerConstant { return String(value) }
            if let value = node.stringConstant { return "'\(value)'" }
            if let value = node[.fval, .fval]?.string { return value }
            if let value = node[.boolval] { return value[.boolval]?.bool == true ? "true" : "false" }
            return "null"
        case .paramRef:
            return "$\(node[.number]?.int ?? 0)"
        case .funcCall:
            let arguments = (node[.args]?.elements ?? []).map { inner($0) }
            let star = node[.aggStar]?.bool == true ? "*" : ""
            return "\(node.functionName ?? "?")(\(star)\(arguments.joined(separator: ", ")))"
        case .coalesceExpr:
            return "coalesce(\((node[.args]?.elements ?? []).map { inner($0) }.joined(separator: ", ")))"
        case .typeCast:
            let type = node[.typeName].map(TypeText.of) ?? "?"
            let argument = inner(node[.arg])
            let isSimple = [.columnRef, .aConst, .paramRef].contains(node[.arg]?.kind)
            return isSimple ? "\(argument)::\(type)" : "(\(argument))::\(type)"
        case .aExpr:
            let op = node.operatorName ?? "?"
            guard let left = node[.lexpr] else { return "\(op) \(inner(node[.rexpr]))" }
            return "(\(inner(left)) \(op) \(inner(node[.rexpr])))"
        case .rowExpr:
            return "(\((node[.args]?.elements ?? []).map { inner($0) }.joined(separator: ", ")))"
        case .nullTest:
            return "(\(inner(node[.arg])) \(node.as(NullTest.self)?.nulltesttype == .null ? "IS NULL" : "IS NOT NULL"))"
        case .boolExpr:
            let arguments = (node[.args]?.elements ?? []).map { inner($0) }
            switch node.as(BoolExpr.self)?.boolop {
            case .and?: return "(\(arguments.joined(separator: " AND ")))"
            case .or?: return "(\(arguments.joined(separator: " OR ")))"
            default: return "(NOT \(arguments.first ?? "?"))"
            }
        case .list:
            return "(\((node[.items]?.elements ?? []).map { inner($0) }.joined(separator: ", ")))"
        default:
            return node.kindName ?? "?"
        }
    }
}
