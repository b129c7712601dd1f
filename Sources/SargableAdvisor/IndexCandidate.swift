import SargableAnalysis
import SargablePostgres
import SargableSchema

/// An index the advisor may recommend: its table, access method, keys, INCLUDE columns and
/// partial predicate. Two candidates are the same index when their definitions are the same.
public struct IndexCandidate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The schema's own key: a column, or an expression with its structure (`lower(email)`).
    public typealias Key = IndexKey

    public var table: RelationName
    public var method: String
    public var keys: [Key]
    /// Operator class per key (`text_pattern_ops` for prefix LIKE), nil for the default.
    public var operatorClasses: [String?]
    public var include: [String]
    /// The partial predicate as SQL (`"status" = 'pending'`), and its structure for comparison.
    public var predicate: IndexExpression?
    /// Why it was proposed, for the explanation (`equality on customer_id, range on created_at`).
    public var reason: String

    public init(table: RelationName, method: String = "btree", keys: [Key], operatorClasses: [String?]? = nil,
                include: [String] = [], predicate: IndexExpression? = nil, reason: String) {
        self.table = table
        self.method = method
        self.keys = keys
        self.operatorClasses = operatorClasses ?? Array(repeating: nil, count: keys.count)
        self.include = include
        self.predicate = predicate
        self.reason = reason
    }

    /// `CREATE INDEX ON public.orders USING btree (customer_id, created_at)`: HypoPG and a
    /// migration read the same text (the migration adds CONCURRENTLY and a name).
    public var definition: String { definition(prefix: "CREATE INDEX ON") }

    public func definition(prefix: String) -> String {
        let keyList = zip(keys, operatorClasses).map { key, operatorClass in
            key.sql + (operatorClass.map { " " + $0 } ?? "")
        }.joined(separator: ", ")
        var text = "\(prefix) \(Connection.quoteIdentifier(table.schema)).\(Connection.quoteIdentifier(table.name))"
            + " USING \(method) (\(keyList))"
        if !include.isEmpty { text += " INCLUDE (\(include.map(Connection.quoteIdentifier).joined(separator: ", ")))" }
        if let predicate { text += " WHERE \(predicate.text)" }
        return text
    }

    /// Every column the index holds or tests: an UPDATE of any of them writes an index entry.
    public var columns: Set<String> {
        var result = Set(keys.compactMap(\.columnName) + include)
        for case .expression(let expression) in keys { result.formUnion(Self.columnNames(in: expression)) }
        if let predicate { result.formUnion(Self.columnNames(in: predicate)) }
        return result
    }

    /// A name for the migration: `orders_customer_id_created_at_idx`, cut to PostgreSQL's 63 bytes
    /// (`Advisor` numbers it when the name is taken).
    public var suggestedName: String {
        let parts = keys.map { key -> String in
            switch key {
            case .column(let name): name
            case .expression(let expression):
                String(expression.text.map { $0.isLetter || $0.isNumber ? $0 : "_" })
                    .split(separator: "_").joined(separator: "_")
            }
        }
        // INCLUDE columns are part of the name, as in PostgreSQL's own (so covering and plain differ).
        var name = ([table.name] + parts + include + [predicate == nil ? "idx" : "partial_idx"]).joined(separator: "_")
        while name.utf8.count > 63 { name.removeLast() }
        return name
    }

    public var description: String { definition }

    public static func == (lhs: IndexCandidate, rhs: IndexCandidate) -> Bool { lhs.definition == rhs.definition }
    public func hash(into hasher: inout Hasher) { hasher.combine(definition) }
    public static func < (lhs: IndexCandidate, rhs: IndexCandidate) -> Bool { lhs.definition < rhs.definition }

    /// The same index with `column` appended to its keys (Extend's step).
    func appending(_ key: Key, reason: String) -> IndexCandidate {
        var copy = self
        copy.keys.append(key)
        copy.operatorClasses.append(nil)
        copy.include.removeAll { $0 == key.columnName }
        copy.reason = self.reason + ", then " + reason
        return copy
    }

    /// True when this index holds everything `other` does: same table, method and predicate,
    /// `other`'s keys a prefix of its keys (with the same operator classes), and `other`'s
    /// INCLUDE columns among its columns. It serves every scan `other` would, at a larger size.
    func contains(_ other: IndexCandidate) -> Bool {
        guard table == other.table, method == other.method, predicate == other.predicate,
              keys.count >= other.keys.count, Array(keys.prefix(other.keys.count)) == other.keys,
              Array(operatorClasses.prefix(other.keys.count)) == other.operatorClasses else { return false }
        let held = Set(keys.compactMap(\.columnName) + include)
        return other.include.allSatisfy(held.contains)
    }

    /// True when an existing index already serves what this one would: it `contains` this one (a
    /// b-tree on (a, b) serves every lookup one on (a) would) and is valid; other methods serve
    /// only with the very same keys.
    func isServed(by existing: Index) -> Bool {
        guard existing.isValid, method == "btree" || existing.keys.count == keys.count else { return false }
        let classes = existing.keys.indices.map { $0 < existing.operatorClasses.count ? existing.operatorClasses[$0] : nil }
        return IndexCandidate(table: existing.table, method: existing.method, keys: existing.keys, operatorClasses: classes,
                              predicate: existing.predicate, reason: "existing index \(existing.name)").contains(self)
    }

    private static func columnNames(in expression: IndexExpression) -> Set<String> {
        guard let node = ExpressionIdentity.parse(expression.text) else { return [] }
        return Set(node.columnReferences.compactMap { $0.columnReference?.column })
    }
}

extension IndexKey {
    /// The key as CREATE INDEX writes it.
    var sql: String {
        switch self {
        case .column(let name): Connection.quoteIdentifier(name)
        case .expression(let expression): "(\(expression.text))"
        }
    }
}
