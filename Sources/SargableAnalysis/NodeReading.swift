import SargableSchema
import SargableSyntax

/// Small readers over libpg_query's tree shared by the schema replay and the rules.
extension Node {
    /// `schema.name` of a `RangeVar`.
    public var relationName: RelationName? {
        guard let name = self[.relname]?.string else { return nil }
        return RelationName(schema: self[.schemaname]?.string, name: name)
    }

    /// The values of a list of `String` nodes (`names`, `keys`, `fk_attrs`, `funcname`).
    public var stringValues: [String] {
        var values: [String] = []
        forEachElement { element in
            if let value = element[.sval]?.string { values.append(value) }
        }
        return values
    }

    /// The last two parts of a name list (`catalog.schema.name` → schema and name); the schema is
    /// nil when the name is unqualified.
    public var qualifiedName: (schema: String?, name: String)? {
        let parts = stringValues
        guard let name = parts.last else { return nil }
        return (parts.count >= 2 ? parts[parts.count - 2] : nil, name)
    }

    /// The integer of an `A_Const` (libpg_query writes 0 as `{"ival":{}}`).
    public var integerConstant: Int? {
        guard kind == .aConst, let ival = self[.ival] else { return nil }
        return ival[.ival]?.int ?? 0
    }

    /// The string of an `A_Const`.
    public var stringConstant: String? {
        guard kind == .aConst else { return nil }
        return self[.sval, .sval]?.string
    }

    /// The last part of a function's name, lower-cased (`pg_catalog.lower` → `lower`).
    public var functionName: String? {
        guard kind == .funcCall else { return nil }
        return self[.funcname]?.stringValues.last?.lowercased()
    }

    /// An operator's name (`=`, `~~`), for `A_Expr`.
    public var operatorName: String? {
        self[.name]?.stringValues.last
    }

    /// The column a `ColumnRef` names, and its qualifier (table or alias) when given.
    public var columnReference: (qualifier: String?, column: String)? {
        guard kind == .columnRef else { return nil }
        let parts = self[.fields]?.elements ?? []
        guard let last = parts.last, let column = last[.sval]?.string else { return nil }
        let qualifier = parts.count >= 2 ? parts[parts.count - 2][.sval]?.string : nil
        return (qualifier, column)
    }

    /// True for `*` or `t.*`.
    public var isStarReference: Bool {
        kind == .columnRef && (self[.fields]?.elements.last?.kind == .aStar)
    }

    /// Every `ColumnRef` below this node, not descending into subqueries.
    public var columnReferences: [Node] {
        var result: [Node] = []
        walk { node in
            switch node.kind {
            case .columnRef:
                result.append(node)
                return .skipChildren
            case .subLink, .selectStmt: return .skipChildren
            default: return .visitChildren
            }
        }
        return result
    }

    /// The conjuncts of a predicate: `a AND (b AND c)` → `[a, b, c]`.
    public var conjuncts: [Node] {
        guard self.as(BoolExpr.self)?.boolop == .and else { return [self] }
        return (self[.args]?.elements ?? []).flatMap(\.conjuncts)
    }
}

/// The text of a type as written, normalized the way `format_type` names the common ones.
public enum TypeText {
    private static let aliases: [String: String] = [
        "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
        "float8": "double precision", "bool": "boolean", "varchar": "character varying",
        "bpchar": "character", "timestamptz": "timestamp with time zone",
        "timestamp": "timestamp without time zone", "timetz": "time with time zone",
        "int": "integer",
    ]

    /// `character varying(20)`, `text[]`, `bigint` for a `TypeName` node.
    public static func of(_ typeName: Node) -> String {
        var names = typeName[.names]?.stringValues ?? []
        if names.first == "pg_catalog", names.count > 1 { names.removeFirst() }
        let base = names.count == 1 ? names[0] : names.joined(separator: ".")
        var text = aliases[base] ?? base
        // Appended as read: the replay reads every column's type, and arrays in between cost more.
        var opened = false
        typeName[.typmods]?.forEachElement { modifier in
            guard let value = modifier.integerConstant else { return }
            text += opened ? "," : "("
            text += String(value)
            opened = true
        }
        if opened { text += ")" }
        typeName[.arrayBounds]?.forEachElement { _ in text += "[]" }
        return text
    }

    public static func isArray(_ typeName: Node) -> Bool {
        !(typeName[.arrayBounds]?.elements.isEmpty ?? true)
    }
}
