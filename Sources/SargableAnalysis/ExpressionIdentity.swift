import SargableSchema
import SargableSyntax

/// Whether two expressions are the same, decided on their parse trees (kinds, operators, constants,
/// column names), never on printed text: `deleted_at IS NULL` and `archived_at IS NULL` differ, and
/// so do `c IS NULL` and `c IS NOT NULL`, however deep or unusual the expression is.
public enum ExpressionIdentity {
    /// The expression's structure. Column references count by their column alone: an index
    /// expression names its table's columns bare, a query may qualify them (`lower(u.email)`).
    public static func structure(of expression: Node) -> String {
        expression.structure { node in
            guard node.kind == .columnRef else { return nil }
            if node.isStarReference { return "*" }
            return node.columnReference.map { "column " + $0.column } ?? "column ?"
        }
    }

    /// An expression of the parse tree, with its text for messages.
    public static func expression(_ node: Node) -> IndexExpression {
        IndexExpression(text: ExpressionText.of(node), structure: structure(of: node))
    }

    /// An expression as a catalog prints it (`lower((email)::text)`, `(deleted_at IS NULL)`), kept
    /// as printed for messages; it has no structure (equals nothing) when it is not one expression.
    public static func expression(sql: String, text: String? = nil) -> IndexExpression {
        IndexExpression(text: text ?? sql, structure: parse(sql).map(structure(of:)))
    }

    /// `sql` as a lone expression, or nil when it does not parse as exactly one.
    public static func parse(_ sql: String) -> Node? {
        guard let tree = try? PgQuery.parse("SELECT \(sql)"), tree.statements.count == 1,
              let select = tree.statements.first, select.kind == .selectStmt,
              select[.fromClause] == nil, select[.whereClause] == nil, select[.sortClause] == nil,
              select[.limitCount] == nil, select[.groupClause] == nil,
              let targets = select[.targetList]?.elements, targets.count == 1, targets[0][.name] == nil
        else { return nil }
        return targets[0][.val]
    }

    /// The schema with every index expression and predicate that has no structure yet (written by
    /// hand, or read without it) read as SQL, so rules compare structures only.
    public static func normalised(_ schema: SchemaModel) -> SchemaModel {
        var result = schema
        for table in schema.tables.values {
            let needsReading = table.indexes.contains { index in
                index.predicate.map { $0.structure == nil } ?? false
                    || index.keys.contains { if case .expression(let key) = $0 { key.structure == nil } else { false } }
            }
            guard needsReading else { continue }
            result.updateTable(table.name) { table in
                for position in table.indexes.indices {
                    table.indexes[position].keys = table.indexes[position].keys.map { key in
                        guard case .expression(let expression) = key, expression.structure == nil else { return key }
                        return .expression(Self.expression(sql: expression.text))
                    }
                    if let predicate = table.indexes[position].predicate, predicate.structure == nil {
                        table.indexes[position].predicate = expression(sql: predicate.text)
                    }
                }
            }
        }
        return result
    }
}
