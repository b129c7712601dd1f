import SargableSchema
import SargableSyntax

/// The relations a SELECT/UPDATE/DELETE reads, by the name or alias its columns use.
public struct FromScope: Sendable {
    public private(set) var aliases: [String: RelationName] = [:]
    public private(set) var relations: [RelationName] = []

    /// The FROM items of a SelectStmt (or the target and USING/FROM of UPDATE/DELETE, or both
    /// sides of a JoinExpr).
    public init(_ statement: Node) {
        var items: [Node] = []
        if statement.kind == .joinExpr {
            items = [statement[.larg], statement[.rarg]].compactMap { $0 }
        }
        if let relation = statement[.relation] { items.append(relation) }
        items.append(contentsOf: statement[.fromClause]?.elements ?? [])
        items.append(contentsOf: statement[.usingClause]?.elements ?? [])
        for item in items { add(item) }
    }

    /// Tables in FROM, through joins; subqueries and functions name no table of this scope.
    private mutating func add(_ item: Node) {
        switch item.kind {
        case .joinExpr:
            if let left = item[.larg] { add(left) }
            if let right = item[.rarg] { add(right) }
        case .rangeTableSample:
            if let relation = item[.relation] { add(relation) }
        case .rangeVar, nil:
            guard let name = item.relationName else { return }
            relations.append(name)
            aliases[item[.alias, .aliasname]?.string ?? name.name] = name
        default:
            return
        }
    }

    public func relation(forAlias alias: String) -> RelationName? { aliases[alias] }

    /// The table a column reference belongs to: by its qualifier, or the one table of the scope
    /// `schema` knows to have the column (the only table, when the schema knows no columns).
    public func table(of column: Node, in schema: SchemaModel) -> Table? {
        guard let reference = column.columnReference else { return nil }
        if let qualifier = reference.qualifier {
            return relation(forAlias: qualifier).flatMap(schema.table)
        }
        let candidates = relations.compactMap(schema.table)
        if candidates.count == 1, candidates[0].columns.isEmpty { return candidates[0] }
        return candidates.first { $0.column(named: reference.column) != nil }
            ?? (relations.count == 1 ? relations.first.flatMap(schema.table) : nil)
    }
}
