/// A value of a result column, typed by the column's type OID.
public enum PostgresValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case text(String)
}

/// A column of a query result: its name and type.
public struct ResultColumn: Sendable, Hashable {
    public var name: String
    /// The type's OID (`pg_type.oid`): 20 bigint, 25 text, 16 boolean, …
    public var typeOID: UInt32
}

/// One row of a result; values are the server's text output, converted on access.
public struct Row: Sendable {
    public let columns: [ResultColumn]
    public let fields: [String?]

    func position(_ name: String) -> Int? { columns.firstIndex { $0.name == name } }

    public subscript(_ name: String) -> String? {
        guard let position = position(name) else { return nil }
        return fields[position]
    }

    public func string(_ name: String) -> String? { self[name] }
    public func int(_ name: String) -> Int? { self[name].flatMap { Int($0) } }
    public func double(_ name: String) -> Double? { self[name].flatMap { Double($0) } }
    /// PostgreSQL prints booleans as `t` and `f`.
    public func bool(_ name: String) -> Bool? { self[name].map { $0 == "t" } }

    /// A text[] or name[] value split into its elements (only simple unquoted and quoted elements,
    /// which is what the catalog queries produce).
    public func array(_ name: String) -> [String]? {
        self[name].map(PostgresArray.elements)
    }

    /// The value typed by its column's type.
    public func value(_ name: String) -> PostgresValue {
        guard let position = position(name), let text = fields[position] else { return .null }
        switch columns[position].typeOID {
        case 16: return .bool(text == "t")
        case 20, 21, 23, 26: return Int(text).map(PostgresValue.int) ?? .text(text)
        case 700, 701, 1700: return Double(text).map(PostgresValue.double) ?? .text(text)
        default: return .text(text)
        }
    }
}

/// What a query returned: its columns, its rows as text, and the rows a write affected.
public struct QueryResult: Sendable {
    public let columns: [ResultColumn]
    public let rows: [Row]
    /// Rows affected by INSERT/UPDATE/DELETE (`PQcmdTuples`), when the command reports it.
    public let affectedRows: Int?
    /// The command tag: `SELECT 3`, `BEGIN`, …
    public let commandTag: String
    /// For a described prepared statement, the number of parameters the server inferred.
    public let parameterCount: Int
}

enum PostgresArray {
    /// Elements of a one-dimensional array literal `{a,"b c",NULL}`.
    static func elements(_ literal: String) -> [String] {
        var characters = Substring(literal)
        guard characters.first == "{", characters.last == "}" else { return [literal] }
        characters = characters.dropFirst().dropLast()
        var elements: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        var sawAny = false
        for character in characters {
            sawAny = true
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == "," && !quoted {
                elements.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if sawAny { elements.append(current) }
        return elements
    }
}
