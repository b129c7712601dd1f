import SargableSchema
import SargableSyntax

/// A column and the relation it belongs to (nil when the statement does not say and the schema
/// cannot tell, or when it comes from a subquery or CTE rather than a table).
public struct ColumnOf: Sendable, Hashable, CustomStringConvertible {
    public var relation: RelationName?
    public var column: String

    public init(_ relation: RelationName?, _ column: String) {
        self.relation = relation
        self.column = column
    }

    public var description: String { relation.map { "\($0).\(column)" } ?? column }
}

/// How a predicate compares, which decides the index that can serve it.
public enum PredicateOperator: Sendable, Hashable {
    /// `= constant`, `= $1`: any b-tree key position.
    case equality
    /// `<`, `<=`, `>`, `>=`, BETWEEN: the last b-tree key used.
    case range
    /// `IN (…)`, `= ANY(…)`.
    case inList
    case isNull
    case isNotNull
    /// `LIKE 'abc%'`: a b-tree range with `text_pattern_ops` (or the C collation).
    case prefixLike
    /// `= other.column`: the key of a join (nested loop inner side, merge, hash).
    case joinKey(ColumnOf)
}

/// A predicate on one column, from WHERE or a JOIN's ON.
public struct ColumnPredicate: Sendable, Hashable {
    public var column: ColumnOf
    public var comparison: PredicateOperator
    /// The constant an equality compares with when it is written in the statement (`status =
    /// 'pending'`), not a parameter: a partial index can be built for exactly that value.
    public var literal: Literal?

    public init(column: ColumnOf, comparison: PredicateOperator, literal: Literal? = nil) {
        self.column = column
        self.comparison = comparison
        self.literal = literal
    }
}

/// A constant written in a statement, kept by kind so that consumers can write it back as SQL.
public enum Literal: Sendable, Hashable {
    case string(String)
    case integer(Int)
    /// A decimal number as written (`1.5`).
    case number(String)
    case boolean(Bool)

    /// The constant of `node` (a constant, or a constant cast to a type), nil for anything else.
    public init?(_ node: Node) {
        let value = node.kind == .typeCast ? node[.arg] : node
        guard let value, value.kind == .aConst else { return nil }
        if let integer = value.integerConstant { self = .integer(integer) }
        else if let string = value.stringConstant { self = .string(string) }
        else if let number = value[.fval, .fval]?.string { self = .number(number) }
        else if let boolean = value[.boolval] { self = .boolean(boolean[.boolval]?.bool == true) }
        else { return nil }
    }
}

/// A predicate on an expression of one relation's columns (`lower(email) = $1`): an expression index
/// can serve it.
public struct ExpressionPredicate: Sendable, Hashable {
    public var relation: RelationName?
    public var expression: IndexExpression
    public var comparison: PredicateOperator
}

/// An ORDER BY or GROUP BY key.
public struct OrderKey: Sendable, Hashable {
    public enum Key: Sendable, Hashable {
        case column(ColumnOf)
        case expression(IndexExpression)
    }

    public var key: Key
    public var descending: Bool

    public init(key: Key, descending: Bool) {
        self.key = key
        self.descending = descending
    }
}

/// A column a SELECT returns: a table's column (named, or all of them for `*`) or a computed value.
public enum ReturnedColumn: Sendable, Hashable {
    case column(ColumnOf)
    /// `*` or `t.*`: every column of the relation (nil: of every relation in FROM).
    case allColumns(of: RelationName?)
    case expression(IndexExpression)
}

/// One query block of a statement: a SELECT (each side of a UNION is its own), or the UPDATE,
/// DELETE or INSERT itself. CTEs and subqueries are blocks of their own.
public struct QueryBlock: Sendable {
    public enum Kind: Sendable, Hashable { case select, insert, update, delete }
    public enum Limit: Sendable, Hashable {
        case constant(Int)
        /// `LIMIT $1` or another expression.
        case expression
    }

    public var kind: Kind
    /// The tables this block reads, by the alias its columns use (CTE names and subqueries excluded).
    public var relations: [String: RelationName] = [:]
    /// The table an INSERT, UPDATE or DELETE writes.
    public var target: RelationName?
    public var columnPredicates: [ColumnPredicate] = []
    public var expressionPredicates: [ExpressionPredicate] = []
    public var orderBy: [OrderKey] = []
    public var groupBy: [OrderKey] = []
    public var limit: Limit?
    /// Columns an UPDATE sets or an INSERT fills.
    public var setColumns: [ColumnOf] = []
    /// What a SELECT (or a RETURNING list) returns.
    public var returnedColumns: [ReturnedColumn] = []
    /// Every table column the block itself reads (returned, compared, sorted, grouped, computed
    /// with), in first-seen order; subqueries are blocks of their own. A covering index needs them all.
    public var columnsRead: [ColumnOf] = []
    /// Every table column WHERE, JOIN … ON and HAVING mention, whatever the shape of the condition
    /// (inside OR, CASE, a function): the planner may derive an index condition from any of them.
    public var conditionColumns: [ColumnOf] = []

    /// Every column predicate on `relation`.
    public func predicates(on relation: RelationName) -> [ColumnPredicate] {
        columnPredicates.filter { $0.column.relation == relation }
    }
}

/// What one statement means, as the index advisor and the test library read it: every query block
/// with its relations (aliases resolved, CTE and subquery names scoped), its predicates by operator
/// class, its ORDER BY / GROUP BY keys and LIMIT, the columns it sets and returns.
public struct StatementAnalysis: Sendable {
    public private(set) var blocks: [QueryBlock] = []

    /// Tables read by any block, in first-seen order.
    public var relationsRead: [RelationName] {
        var seen = Set<RelationName>()
        return blocks.flatMap { $0.relations.values.sorted() }.filter { seen.insert($0).inserted }
    }

    /// Tables written (INSERT, UPDATE, DELETE targets), in first-seen order.
    public var relationsWritten: [RelationName] {
        var seen = Set<RelationName>()
        return blocks.compactMap(\.target).filter { seen.insert($0).inserted }
    }

    /// Nesting deeper than this is not analysed (the parser allows far less in practice).
    static let maximumDepth = 100

    /// `schema` resolves unqualified columns when a block reads several tables.
    public init(_ root: Node, schema: SchemaModel = SchemaModel()) {
        var builder = Builder(schema: schema)
        builder.visit(root, ctes: [], depth: 0)
        blocks = builder.blocks
    }

    private struct Builder {
        let schema: SchemaModel
        var blocks: [QueryBlock] = []

        /// `isSelect`: a `SelectStmt` in a typed field (a UNION's sides), which the tree writes
        /// without its kind.
        mutating func visit(_ node: Node, ctes: Set<String>, depth: Int, isSelect: Bool = false) {
            guard depth < StatementAnalysis.maximumDepth else { return }
            var visible = ctes
            let ctesOfNode = node[.withClause]?[.ctes]?.elements ?? []
            for cte in ctesOfNode { if let name = cte[.ctename]?.string { visible.insert(name) } }
            for cte in ctesOfNode { if let query = cte[.ctequery] { visit(query, ctes: visible, depth: depth + 1) } }

            let kind: QueryBlock.Kind
            switch isSelect ? .selectStmt : node.kind {
            case .selectStmt:
                if let operation = node[.op]?.enumValue(SetOperation.self), operation != .none {
                    for side in [node[.larg], node[.rarg]].compactMap({ $0 }) {
                        visit(side, ctes: visible, depth: depth + 1, isSelect: true)
                    }
                    return
                }
                kind = .select
            case .updateStmt: kind = .update
            case .deleteStmt: kind = .delete
            case .insertStmt: kind = .insert
            default: return
            }
            var block = QueryBlock(kind: kind)
            var joins: [Node] = []
            if let target = node[.relation], let name = target.relationName {
                block.target = name
                if kind != .insert { block.relations[target[.alias, .aliasname]?.string ?? name.name] = name }
            }
            for item in (node[.fromClause]?.elements ?? []) + (node[.usingClause]?.elements ?? []) {
                addFromItem(item, to: &block, joins: &joins, ctes: visible, depth: depth)
            }
            if kind == .insert, let source = node[.selectStmt] { visit(source, ctes: visible, depth: depth + 1) }

            for clause in [node[.whereClause]].compactMap({ $0 }) + joins.compactMap({ $0[.quals] }) {
                for conjunct in clause.conjuncts { addPredicate(conjunct, to: &block) }
            }
            for clause in [node[.whereClause], node[.havingClause], node[.targetList]].compactMap({ $0 }) + joins.compactMap({ $0[.quals] }) {
                visitSubqueries(in: clause, ctes: visible, depth: depth)
            }
            block.orderBy = (node[.sortClause]?.elements ?? []).compactMap { sort in
                sort[.node].flatMap { key($0, in: block) }.map {
                    OrderKey(key: $0, descending: sort.as(SortBy.self)?.sortbyDir == .desc)
                }
            }
            block.groupBy = (node[.groupClause]?.elements ?? []).compactMap { key($0, in: block) }
                .map { OrderKey(key: $0, descending: false) }
            if let limit = node[.limitCount], limit[.isnull]?.bool != true {
                block.limit = limit.integerConstant.map(QueryBlock.Limit.constant) ?? .expression
            }
            switch kind {
            case .update:
                block.setColumns = (node[.targetList]?.elements ?? []).compactMap { $0[.name]?.string }
                    .map { ColumnOf(block.target, $0) }
                block.returnedColumns = returned(node[.returningList], in: block)
            case .insert:
                block.setColumns = (node[.cols]?.elements ?? []).compactMap { $0[.name]?.string }.map { ColumnOf(block.target, $0) }
                block.returnedColumns = returned(node[.returningList], in: block)
            case .delete:
                block.returnedColumns = returned(node[.returningList], in: block)
            case .select:
                block.returnedColumns = returned(node[.targetList], in: block)
            }
            block.columnsRead = columnsRead(in: [node[.targetList], node[.whereClause], node[.havingClause],
                                                 node[.groupClause], node[.sortClause], node[.returningList]]
                                                 + joins.map { $0[.quals] }, of: block)
            block.conditionColumns = columnsRead(in: [node[.whereClause], node[.havingClause]] + joins.map { $0[.quals] }, of: block)
            blocks.append(block)
        }

        private func columnsRead(in clauses: [Node?], of block: QueryBlock) -> [ColumnOf] {
            var seen = Set<ColumnOf>()
            var result: [ColumnOf] = []
            for clause in clauses.compactMap({ $0 }) {
                clause.walk { node in
                    if node.kind == .subLink { return .skipChildren }
                    if node.kind == .columnRef, let column = resolve(node, in: block), column.relation != nil,
                       seen.insert(column).inserted {
                        result.append(column)
                    }
                    return .visitChildren
                }
            }
            return result
        }

        private mutating func addFromItem(_ item: Node, to block: inout QueryBlock, joins: inout [Node], ctes: Set<String>, depth: Int) {
            switch item.kind {
            case .joinExpr:
                joins.append(item)
                for side in [item[.larg], item[.rarg]].compactMap({ $0 }) {
                    addFromItem(side, to: &block, joins: &joins, ctes: ctes, depth: depth)
                }
            case .rangeSubselect:
                if let query = item[.subquery] { visit(query, ctes: ctes, depth: depth + 1) }
            case .rangeTableSample:
                if let relation = item[.relation] { addFromItem(relation, to: &block, joins: &joins, ctes: ctes, depth: depth) }
            case .rangeVar, nil:
                guard let name = item.relationName else { return }
                // An unqualified name a visible WITH defines is that CTE, not a table.
                if item[.schemaname] == nil, ctes.contains(name.name) { return }
                block.relations[item[.alias, .aliasname]?.string ?? name.name] = name
            default:
                return
            }
        }

        /// Subqueries in an expression are blocks of their own (not descending into them twice).
        private mutating func visitSubqueries(in expression: Node, ctes: Set<String>, depth: Int) {
            var subqueries: [Node] = []
            expression.walk { node in
                guard node.kind == .subLink else { return .visitChildren }
                if let query = node[.subselect] { subqueries.append(query) }
                return .skipChildren
            }
            for query in subqueries { visit(query, ctes: ctes, depth: depth + 1) }
        }

        private func resolve(_ column: Node, in block: QueryBlock) -> ColumnOf? {
            guard let reference = column.columnReference, !column.isStarReference else { return nil }
            if let qualifier = reference.qualifier { return ColumnOf(block.relations[qualifier], reference.column) }
            let relations = Set(block.relations.values)
            if relations.count == 1, let only = relations.first {
                // A name the known table lacks comes from elsewhere (a CTE or subquery in FROM, an outer query).
                if let table = schema.table(only), !table.columns.isEmpty, table.column(named: reference.column) == nil {
                    return ColumnOf(nil, reference.column)
                }
                return ColumnOf(only, reference.column)
            }
            let owners = relations.filter { schema.table($0)?.column(named: reference.column) != nil }
            return ColumnOf(owners.count == 1 ? owners.first : nil, reference.column)
        }

        /// True for a value fixed while the block runs: constants, parameters, and functions of them.
        private func isFixed(_ node: Node) -> Bool {
            node.columnReferences.isEmpty && node.descendants(ofKind: .subLink).isEmpty
        }

        private func key(_ node: Node, in block: QueryBlock) -> OrderKey.Key? {
            if node.kind == .columnRef { return resolve(node, in: block).map(OrderKey.Key.column) }
            if node.kind == .aConst { return nil }  // `ORDER BY 1`: a position, not a key
            return .expression(ExpressionIdentity.expression(node))
        }

        private func returned(_ list: Node?, in block: QueryBlock) -> [ReturnedColumn] {
            (list?.elements ?? []).compactMap { target in
                guard let value = target[.val] else { return nil }
                if value.isStarReference {
                    return .allColumns(of: value.columnReference?.qualifier.flatMap { block.relations[$0] })
                }
                if value.kind == .columnRef, let column = resolve(value, in: block) { return .column(column) }
                return .expression(ExpressionIdentity.expression(value))
            }
        }

        private static let rangeOperators: Set<String> = ["<", "<=", ">", ">="]

        private func addPredicate(_ conjunct: Node, to block: inout QueryBlock) {
            if let test = conjunct.as(NullTest.self), let argument = test.arg {
                add(argument, test.nulltesttype == .null ? .isNull : .isNotNull, to: &block)
                return
            }
            guard let comparison = conjunct.as(AExpr.self), let kind = comparison.kind,
                  let left = comparison.lexpr, let right = comparison.rexpr else { return }
            let name = conjunct.operatorName
            switch kind {
            case .op where name == "=":
                if left.kind == .columnRef, right.kind == .columnRef,
                   let leftColumn = resolve(left, in: block), let rightColumn = resolve(right, in: block),
                   leftColumn.relation != rightColumn.relation {
                    block.columnPredicates.append(ColumnPredicate(column: leftColumn, comparison: .joinKey(rightColumn)))
                    block.columnPredicates.append(ColumnPredicate(column: rightColumn, comparison: .joinKey(leftColumn)))
                } else if isFixed(right) {
                    add(left, .equality, literal: Literal(right), to: &block)
                } else if isFixed(left) {
                    add(right, .equality, literal: Literal(left), to: &block)
                }
            case .op where Self.rangeOperators.contains(name ?? ""):
                if isFixed(right) { add(left, .range, to: &block) } else if isFixed(left) { add(right, .range, to: &block) }
            case .between, .betweenSym:
                if isFixed(right) { add(left, .range, to: &block) }
            case .in where name == "=":
                if isFixed(right) { add(left, .inList, to: &block) }
            case .opAny where name == "=":
                if isFixed(right) { add(left, .inList, to: &block) }
            case .like, .op where name == "~~":
                if let pattern = right.stringConstant, let first = pattern.first, first != "%", first != "_" {
                    add(left, .prefixLike, to: &block)
                }
            default:
                return
            }
        }

        /// Files a comparison under its column, or under its expression when it is one of a
        /// relation's columns wrapped (`lower(email)`).
        private func add(_ side: Node, _ comparison: PredicateOperator, literal: Literal? = nil, to block: inout QueryBlock) {
            if side.kind == .columnRef, let column = resolve(side, in: block) {
                block.columnPredicates.append(ColumnPredicate(column: column, comparison: comparison, literal: literal))
                return
            }
            guard let first = side.columnReferences.first, side.descendants(ofKind: .subLink).isEmpty else { return }
            let relation = resolve(first, in: block)?.relation
            block.expressionPredicates.append(ExpressionPredicate(relation: relation, expression: ExpressionIdentity.expression(side),
                                                                  comparison: comparison))
        }
    }
}
