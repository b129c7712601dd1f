import SargableSchema
import SargableSyntax

/// Where predicates and foreign keys sit in a statement: the walks several rules share.
public enum QueryShape {
    /// A predicate (WHERE, HAVING or JOIN … ON) and the node whose FROM items its columns come from:
    /// the statement for WHERE and HAVING, the join for ON.
    public struct Clause: Sendable {
        public let predicate: Node
        public let scopeNode: Node
        public let isHaving: Bool

        /// The relations the predicate's columns can name.
        public var scope: FromScope { FromScope(scopeNode) }
    }

    /// Every WHERE, HAVING and JOIN … ON predicate of `statements` (SELECT, UPDATE and DELETE
    /// nodes) and `joins` (JoinExpr nodes), in that order.
    public static func predicateClauses(statements: [Node], joins: [Node]) -> [Clause] {
        var result: [Clause] = []
        for statement in statements {
            if let predicate = statement[.whereClause] { result.append(Clause(predicate: predicate, scopeNode: statement, isHaving: false)) }
            if let predicate = statement[.havingClause] { result.append(Clause(predicate: predicate, scopeNode: statement, isHaving: true)) }
        }
        for join in joins {
            if let quals = join[.quals] { result.append(Clause(predicate: quals, scopeNode: join, isHaving: false)) }
        }
        return result
    }

    /// Every predicate clause of a statement, its subqueries and CTEs included.
    public static func predicateClauses(in root: Node) -> [Clause] {
        var statements: [Node] = [], joins: [Node] = []
        root.forEachNodeOrObject { kind, _, node in
            switch kind {
            case .selectStmt, .updateStmt, .deleteStmt: statements.append(node())
            case .joinExpr: joins.append(node())
            default: break
            }
        }
        return predicateClauses(statements: statements, joins: joins)
    }

    /// Every A_Expr (comparison or arithmetic) of the clauses, with its clause.
    public static func predicateExpressions(_ clauses: [Clause]) -> [(expression: Node, clause: Clause)] {
        clauses.flatMap { clause in nodes(.aExpr, in: clause.predicate).map { ($0, clause) } }
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
public struct ForeignKeyDefinition: Sendable {
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

