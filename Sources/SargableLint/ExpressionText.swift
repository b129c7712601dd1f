import SargableSyntax

/// A canonical, compact text of an expression (`lower(email)`, `(created_at)::date`), used to
/// name expressions in messages and to match a predicate's expression against index keys from the
/// DDL replay or from a live catalog (whose text is parsed with `canonical(sql:)` first).
public enum ExpressionText {
    /// Deeper expressions print as `…`; messages stay short and pathological input stays cheap.
    static let maxDepth = 24

    public static func of(_ node: Node) -> String { text(node, depth: 0) }

    /// Parses `sql` as an expression and returns its canonical text, or nil when it does not parse.
    public static func canonical(sql: String) -> String? {
        guard let tree = try? PgQuery.parse("SELECT \(sql)"),
              let value = tree.statements.first?[.targetList]?.elements.first?[.val]
        else { return nil }
        return of(value)
    }

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
        case .list:
            return "(\((node[.items]?.elements ?? []).map { inner($0) }.joined(separator: ", ")))"
        default:
            return node.kindName ?? "?"
        }
    }
}
