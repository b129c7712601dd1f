import SargableSchema
import SargableSyntax

/// Where predicates and foreign keys sit in a statement: the walks several rules share.
public enum QueryShape {
    /// A predicate (WHERE, HAVING or JOIN … ON) and the node whose FROM items its columns come from:
    /// the statement for WHERE and HAVING, the join for ON.
    public struct Clause {
        public let predicate: Node
        public let scopeNode: Node
        public let isHaving: Bool

        /// The relations the predicate's columns can name.
        public var scope: FromScope { FromScope(scopeNode) }
    }

    /// Every WHERE, HAVING and JOIN … ON predicate of every SELECT, UPDATE and DELETE in the statement.
    public static func predicateClauses(_ context: RuleContext) -> [Clause] {
        if let cached = context.cachedClauses { return cached }
        var result: [Clause] = []
        do {
            for statement in context.nodes(.selectStmt) + context.nodes(.updateStmt) + context.nodes(.deleteStmt) {
                if let predicate = statement[.whereClause] { result.append(Clause(predicate: predicate, scopeNode: statement, isHaving: false)) }
                if let predicate = statement[.havingClause] { result.append(Clause(predicate: predicate, scopeNode: statement, isHaving: true)) }
            }
            for join in context.nodes(.joinExpr) {
                if let quals = join[.quals] { result.append(Clause(predicate: quals, scopeNode: join, isHaving: false)) }
            }
        }
        context.cachedClauses = result
        return result
    }

    /// Every A_Expr (comparison or arithmetic) of every predicate clause, with its clause.
    public static func predicateExpressions(_ context: RuleContext) -> [(expression: Node, clause: Clause)] {
        if let cached = context.cachedPredicateExpressions { return cached }
        let result = predicateClauses(context).flatMap { clause in nodes(.aExpr, in: clause.predicate).map { ($0, clause) } }
        context.cachedPredicateExpressions = result
        return result
    }

    /// Nodes of `kind` in an expression, not inside its subqueries (they are clauses of their own).
    public static func nodes(_ kind: NodeKind, in expression: Node) -> [Node] {
        var result: [Node] = []
        expression.walk { node in
            if node.kind == .selectStmt { return .skipChildren }
            if node.kind == kind { result.append(node) }
            return .visitChildren
        }
        return result
    }

    static let aggregateNames: Set<String> = [
        "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "bool_and", "bool_or", "every",
        "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "bit_and", "bit_or", "stddev",
        "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc",
        "mode", "xmlagg", "corr", "covar_pop", "covar_samp", "regr_count",
    ]

    /// True for a call to a built-in aggregate (not used as a window function).
    public static func isAggregate(_ call: Node) -> Bool {
        guard call.kind == .funcCall, call[.over] == nil else { return false }
        return call[.aggStar]?.bool == true || aggregateNames.contains(call.functionName ?? "")
    }

    /// True when the expression's value depends on a column: `lower(email)`, `id + 1`.
    public static func referencesColumn(_ expression: Node) -> Bool {
        !expression.columnReferences.isEmpty
    }
}

/// A foreign key as written in CREATE TABLE or ALTER TABLE.
public struct ForeignKeyDefinition {
    /// The `Constraint` node (where findings point).
    public let constraint: Node
    public let table: RelationName
    public let columns: [String]
    public let referencedTable: RelationName

    /// Every foreign key the statement defines: inline `REFERENCES`, table constraints and
    /// `ALTER TABLE … ADD [CONSTRAINT …] FOREIGN KEY` or `ADD COLUMN … REFERENCES`.
    public static func all(in root: Node) -> [ForeignKeyDefinition] {
        guard root.kind == .createStmt || root.kind == .alterTableStmt, let table = root[.relation]?.relationName else { return [] }
        var columnDefinitions: [Node] = []
        var constraints: [Node] = []
        switch root.kind {
        case .createStmt:
            for element in root[.tableElts]?.elements ?? [] {
                if element.kind == .columnDef { columnDefinitions.append(element) }
                if element.kind == .constraint { constraints.append(element) }
            }
        case .alterTableStmt:
            for command in root[.cmds]?.elements ?? [] {
                guard let definition = command[.def] else { continue }
                switch command.as(AlterTableCmd.self)?.subtype {
                case .addColumn: columnDefinitions.append(definition)
                case .addConstraint: constraints.append(definition)
                default: break
                }
            }
        default: return []
        }
        var result: [ForeignKeyDefinition] = []
        for definition in columnDefinitions {
            guard let column = definition[.colname]?.string else { continue }
            for constraint in definition[.constraints]?.elements ?? [] where constraint.as(Constraint.self)?.contype == .foreign {
                guard let referenced = constraint[.pktable]?.relationName else { continue }
                result.append(ForeignKeyDefinition(constraint: constraint, table: table, columns: [column], referencedTable: referenced))
            }
        }
        for constraint in constraints where constraint.as(Constraint.self)?.contype == .foreign {
            guard let referenced = constraint[.pktable]?.relationName else { continue }
            result.append(ForeignKeyDefinition(constraint: constraint, table: table,
                                               columns: constraint[.fkAttrs]?.stringValues ?? [], referencedTable: referenced))
        }
        return result
    }
}

extension RuleContext {
    /// The ALTER TABLE commands of the statement with their subtype, when the target table already
    /// existed before this file (new tables are empty, so their locks and rewrites are harmless).
    public func alterCommandsOnExistingTable() -> (table: RelationName, relation: Node, commands: [(subtype: AlterTableType, command: Node)])? {
        guard let alter = root.as(AlterTableStmt.self), (alter.objtype ?? .table) == .table,
              let relation = root[.relation], let table = relation.relationName, !isNewTable(table)
        else { return nil }
        let commands = (root[.cmds]?.elements ?? []).compactMap { command in
            command.as(AlterTableCmd.self)?.subtype.map { ($0, command) }
        }
        return (table, relation, commands)
    }

    /// `orders.user_id` for messages.
    public func qualified(_ table: RelationName, _ column: String) -> String { "\(table).\(column)" }
}
