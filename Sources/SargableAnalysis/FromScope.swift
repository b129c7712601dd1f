import SargableSchema
import SargableSyntax

/// The relations a SELECT/UPDATE/DELETE reads, by the name or alias its columns use.
public struct FromScope: Sendable {
    public private(set) var aliases: [String: RelationName] = [:]
    public private(set) var relations: [RelationName] = []
    /// Names of FROM items that are not tables (functions, subqueries, VALUES) and of their
    /// columns: `e` in `FROM jsonb_array_elements(x) e`.
    public private(set) var derivedNames: Set<String> = []

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
        case .rangeFunction, .rangeSubselect:
            if let alias = item[.alias] {
                if let name = alias[.aliasname]?.string { derivedNames.insert(name) }
                derivedNames.formUnion(alias[.colnames]?.stringValues ?? [])
            }
            // An unaliased function is named after itself (`FROM unnest(a)` gives `unnest`).
            for function in item[.functions]?.elements ?? [] {
                for call in function.elements where call.kind == .funcCall {
                    if let name = call.functionName { derivedNames.insert(name) }
                }
            }
        default:
            return
        }
    }

    public func relation(forAlias alias: String) -> RelationName? { aliases[alias] }

    /// True when a column reference can be a column of a table of this scope: not a value of a
    /// function or subquery in FROM, not an outer query's value (a qualifier this scope does not
    /// have), and not in a scope without tables (a FROM-less LATERAL subquery).
    public func isTableColumn(_ column: Node) -> Bool {
        guard let reference = column.columnReference, !relations.isEmpty else { return false }
        if let qualifier = reference.qualifier { return aliases[qualifier] != nil }
        return !derivedNames.contains(reference.column)
    }

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
