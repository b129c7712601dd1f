/// A SQL statement that a `DO` block runs, located in its file so rules can report on it.
public struct EmbeddedStatement: Sendable {
    /// The statement's text and file range; its ordinal and full range are the DO statement's (a
    /// suppression comment before the DO block covers it).
    public let source: StatementSource
    /// Inside IF, CASE, a loop or an exception handler: it runs only when control gets there.
    public let isConditional: Bool
}

extension SQLDocument {
    /// PL/pgSQL nesting deeper than this is not read (no real block nests so deep).
    static let maxPlpgsqlDepth = 400

    /// The SQL statements a `DO` block in PL/pgSQL runs, in the order they are written, each located
    /// in the file (`statement` is the DO statement). Statements built at run time (`EXECUTE`),
    /// `SELECT … INTO` (PL/pgSQL keeps it without the INTO clause) and bodies whose text is not the
    /// statement's (a single-quoted body with doubled quotes) are not returned: they have no place
    /// in the file. Empty for any other statement.
    public static func embeddedStatements(in statement: StatementSource, root: Node) -> [EmbeddedStatement] {
        guard root.kind == .doStmt else { return [] }
        let language = (root.as(DoStmt.self)?.args ?? []).first { $0[.defname]?.string == "language" }?[.arg, .sval]?.string
        guard language == nil || language?.lowercased() == "plpgsql",
              let tree = try? PgQuery.parsePlpgsql(statement.text), tree.depth <= maxPlpgsqlDepth else { return [] }

        var queries: [(text: String, isConditional: Bool)] = []
        // Explicit stack (children pushed in reverse, so statements come out in written order).
        var pending: [(node: Node, isConditional: Bool)] = [(tree.root, false)]
        while let (node, conditional) = pending.popLast() {
            let kind = node.kindName
            if kind == "PLpgSQL_stmt_execsql" {
                if let query = node["sqlstmt", "query"]?.string { queries.append((query, conditional)) }
                continue
            }
            // A block's body runs when the block does; what any other statement holds (IF branches,
            // loop bodies, CASE arms) and a block's exception handlers may not run at all.
            let opensBranch = kind != nil && kind != "PLpgSQL_function" && kind != "PLpgSQL_stmt_block"
            let children: [(name: String?, node: Node)] = node.isList ? node.elements.map { (nil, $0) } : node.fields.map { ($0.field, $0.value) }
            for (name, child) in children.reversed() where child.isList || child.kindName != nil || child.fields.count > 0 {
                pending.append((child, conditional || opensBranch || name == "exceptions"))
            }
        }

        // PL/pgSQL keeps each statement's text as written: find it in the DO statement's text, in order.
        let text = Array(statement.text.utf8)
        var cursor = 0
        var result: [EmbeddedStatement] = []
        for query in queries {
            let needle = Array(query.text.utf8)
            guard !needle.isEmpty, let found = firstOccurrence(of: needle, in: text, from: cursor) else { continue }
            cursor = found + needle.count
            let start = statement.range.lowerBound + found
            result.append(EmbeddedStatement(
                source: StatementSource(ordinal: statement.ordinal, range: start ..< start + needle.count,
                                        fullRange: statement.fullRange, text: query.text),
                isConditional: query.isConditional))
        }
        return result
    }

    private static func firstOccurrence(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var position = start
        while position + needle.count <= haystack.count {
            if haystack[position] == needle[0], haystack[position ..< position + needle.count].elementsEqual(needle) {
                return position
            }
            position += 1
        }
        return nil
    }
}
