#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            if node.hasTypeName("PLpgSQL_stmt_execsql") {
                if let query = node["sqlstmt", "query"]?.string { queries.append((query, conditional)) }
                continue
            }
            // A block's body runs when the block does; what any other statement holds (IF branches,
            // loop bodies, CASE arms) and a block's exception handlers may not run at all.
            let opensBranch = node.entry.kind == .node && !node.hasTypeName("PLpgSQL_function") && !node.hasTypeName("PLpgSQL_stmt_block")
            // Lists, typed nodes and objects with members; list elements have no key.
            for child in node.children.reversed() where child.isList || child.entry.kind == .node || child.hasMembers {
                pending.append((child, conditional || opensBranch || child.hasKey("exceptions")))
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

// Read from the tape without building strings: a DO block's PL/pgSQL tree is walked node by node.
private extension Node {
    /// True for a typed node whose type name (as libpg_query wrote it) is `name`.
    func hasTypeName(_ name: StaticString) -> Bool {
        let entry = self.entry
        return entry.kind == .node && Int(entry.valueLength) == name.utf8CodeUnitCount
            && memcmp(tree.json.baseAddress! + Int(entry.valueStart), name.utf8Start, name.utf8CodeUnitCount) == 0
    }

    /// True when this value sits under the member key `key`.
    func hasKey(_ key: StaticString) -> Bool {
        let entry = self.entry
        return Int(entry.keyLength) == key.utf8CodeUnitCount
            && memcmp(tree.json.baseAddress! + Int(entry.keyStart), key.utf8Start, key.utf8CodeUnitCount) == 0
    }

    /// A node or object with at least one member.
    var hasMembers: Bool {
        let entry = self.entry
        return (entry.kind == .node || entry.kind == .object) && Int(entry.next) > index + 1
    }
}
