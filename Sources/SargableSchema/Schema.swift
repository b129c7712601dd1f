/// A qualified relation name. Unqualified names in SQL resolve to `public` unless a schema is given.
public struct RelationName: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public var schema: String
    public var name: String

    public init(schema: String? = nil, name: String) {
        self.schema = schema ?? "public"
        self.name = name
    }

    /// `orders` for the public schema, `billing.invoices` elsewhere.
    public var description: String { schema == "public" ? name : "\(schema).\(name)" }

    public static func < (lhs: RelationName, rhs: RelationName) -> Bool {
        (lhs.schema, lhs.name) < (rhs.schema, rhs.name)
    }
}

/// A table column: its name, type and whether it may be null or has a default.
public struct Column: Sendable, Hashable, Codable {
    public var name: String
    /// The type as written or as `format_type` prints it: `bigint`, `character varying(20)`, `text[]`.
    public var type: String
    public var isArray: Bool
    public var notNull: Bool
    public var hasDefault: Bool

    public init(name: String, type: String, isArray: Bool = false, notNull: Bool = false, hasDefault: Bool = false) {
        self.name = name
        self.type = type
        self.isArray = isArray
        self.notNull = notNull
        self.hasDefault = hasDefault
    }
}

/// An index key expression or a partial index's predicate: the text people read, and the structure
/// that decides whether two are the same (computed by `SargableAnalysis` from the parse tree, never
/// from the text).
public struct IndexExpression: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var text: String
    /// The parse tree's kinds and values without source locations; nil when the text was not read as
    /// SQL (it did not parse, or nothing normalised it yet).
    public var structure: String?

    public init(text: String, structure: String?) {
        self.text = text
        self.structure = structure
    }

    /// Text alone, for values written by hand: equal to nothing until `SargableAnalysis` reads it.
    public init(stringLiteral text: String) { self.init(text: text, structure: nil) }

    public var description: String { text }

    /// Same structure. An expression without one is equal to no expression, not even one with the
    /// same text: two shapes that cannot be compared are never reported as the same.
    public static func == (lhs: IndexExpression, rhs: IndexExpression) -> Bool {
        lhs.structure != nil && lhs.structure == rhs.structure
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(structure) }
}

/// One key part of an index: a column, or an expression (`lower(email)`).
public enum IndexKey: Sendable, Hashable, Codable, CustomStringConvertible {
    case column(String)
    case expression(IndexExpression)

    public var description: String {
        switch self {
        case .column(let name): name
        case .expression(let expression): "(\(expression.text))"
        }
    }

    public var columnName: String? {
        if case .column(let name) = self { return name }
        return nil
    }
}

/// An index: its keys, method, operator classes and predicate, and from a live catalog its usage and size.
public struct Index: Sendable, Hashable, Codable {
    public var name: String
    public var table: RelationName
    public var keys: [IndexKey]
    public var isUnique: Bool
    public var isPrimary: Bool
    /// `btree`, `gin`, `gist`, `hash`, `brin`, …
    public var method: String
    /// Operator classes per key where given (`gin_trgm_ops`).
    public var operatorClasses: [String?]
    /// WHERE predicate of a partial index.
    public var predicate: IndexExpression?
    /// False for an index left invalid by a failed CREATE INDEX CONCURRENTLY (live catalog only).
    public var isValid: Bool
    /// Scans since statistics were reset (live catalog only).
    public var scans: Int?
    public var sizeBytes: Int?

    public init(name: String, table: RelationName, keys: [IndexKey], isUnique: Bool = false, isPrimary: Bool = false,
                method: String = "btree", operatorClasses: [String?] = [], predicate: IndexExpression? = nil,
                isValid: Bool = true, scans: Int? = nil, sizeBytes: Int? = nil) {
        self.name = name
        self.table = table
        self.keys = keys
        self.isUnique = isUnique
        self.isPrimary = isPrimary
        self.method = method
        self.operatorClasses = operatorClasses
        self.predicate = predicate
        self.isValid = isValid
        self.scans = scans
        self.sizeBytes = sizeBytes
    }

    public var isPartial: Bool { predicate != nil }
}

/// A foreign key from `table` (`columns`) to `referencedTable` (`referencedColumns`).
public struct ForeignKey: Sendable, Hashable, Codable {
    public var name: String?
    public var table: RelationName
    public var columns: [String]
    public var referencedTable: RelationName
    public var referencedColumns: [String]
    /// `cascade`, `restrict`, `set null`, … nil when the statement did not say.
    public var onDelete: String?
    public var isValidated: Bool

    public init(name: String?, table: RelationName, columns: [String], referencedTable: RelationName,
                referencedColumns: [String], onDelete: String? = nil, isValidated: Bool = true) {
        self.name = name
        self.table = table
        self.columns = columns
        self.referencedTable = referencedTable
        self.referencedColumns = referencedColumns
        self.onDelete = onDelete
        self.isValidated = isValidated
    }
}

/// A CHECK constraint that proves columns are not null (`CHECK (c IS NOT NULL)`): once validated,
/// PostgreSQL 12+ uses it to SET NOT NULL without scanning the table.
public struct NotNullCheck: Sendable, Hashable, Codable {
    public var name: String?
    public var columns: [String]
    public var isValidated: Bool

    public init(name: String?, columns: [String], isValidated: Bool) {
        self.name = name
        self.columns = columns
        self.isValidated = isValidated
    }
}

/// A table with its columns, keys, constraints and indexes.
public struct Table: Sendable, Hashable, Codable {
    public var name: RelationName
    public var columns: [Column]
    /// CHECK constraints of the `c IS NOT NULL` shape (replayed DDL only).
    public var notNullChecks: [NotNullCheck] = []
    /// True for a partitioned table (`PARTITION BY`): its indexes are built per partition.
    public var isPartitioned = false
    public var primaryKey: [String]?
    /// Column lists of UNIQUE constraints (unique indexes are in `indexes`).
    public var uniqueConstraints: [[String]]
    public var foreignKeys: [ForeignKey]
    public var indexes: [Index]
    /// Planner's row estimate and on-disk size (live catalog only).
    public var estimatedRows: Int?
    public var sizeBytes: Int?
    /// Row-level security: from `ALTER TABLE … ENABLE/FORCE ROW LEVEL SECURITY` and `CREATE
    /// POLICY` in replayed DDL, or from the live catalog. Nil: never enabled nor given a policy.
    public var rowSecurity: RowSecurity?
    /// The heap alone, without indexes and TOAST (live catalog only).
    public var heapSizeBytes: Int?
    /// Rows written since statistics were reset, and whether autovacuum is off for the table (live catalog only).
    public var writes: TableWrites?
    public var autovacuumDisabled: Bool?

    public init(name: RelationName, columns: [Column] = [], primaryKey: [String]? = nil,
                uniqueConstraints: [[String]] = [], foreignKeys: [ForeignKey] = [], indexes: [Index] = [],
                estimatedRows: Int? = nil, sizeBytes: Int? = nil) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniqueConstraints = uniqueConstraints
        self.foreignKeys = foreignKeys
        self.indexes = indexes
        self.estimatedRows = estimatedRows
        self.sizeBytes = sizeBytes
    }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    /// True when some index (or the primary key) is led by exactly these columns, in any order,
    /// and is not partial: the lookup or the foreign-key check can use it.
    public func hasIndex(leadingWith columns: [String]) -> Bool {
        let wanted = Set(columns)
        if let primaryKey, primaryKey.count >= columns.count, Set(primaryKey.prefix(columns.count)) == wanted {
            return true
        }
        return indexes.contains { index in
            !index.isPartial && index.keys.count >= columns.count
                && Set(index.keys.prefix(columns.count).compactMap(\.columnName)) == wanted
        }
    }

    /// True when equality on exactly these columns finds at most one row (primary key or unique).
    public func isUniqueKey(_ columns: Set<String>) -> Bool {
        if let primaryKey, Set(primaryKey).isSubset(of: columns) { return true }
        if uniqueConstraints.contains(where: { Set($0).isSubset(of: columns) }) { return true }
        return indexes.contains { index in
            index.isUnique && !index.isPartial && index.keys.allSatisfy { $0.columnName != nil }
                && Set(index.keys.compactMap(\.columnName)).isSubset(of: columns)
        }
    }
}

/// What Sargable knows about a database's tables: replayed from DDL files or read from a live catalog.
public struct SchemaModel: Sendable, Codable {
    public private(set) var tables: [RelationName: Table] = [:]
    /// Target PostgreSQL major version, when known (configuration or `server_version_num`).
    public var serverVersion: Int?
    /// Each renamed table's new name, so a finding decided at the end of a replay still finds the
    /// table it was made on.
    public private(set) var renamedTables: [RelationName: RelationName] = [:]

    public init() {}

    public func table(_ name: RelationName) -> Table? { tables[name] }

    /// The table a statement named `name`, under the name it has now (after RENAME TO).
    public func currentTable(formerlyNamed name: RelationName) -> Table? {
        var current = name
        // Bounded: renames can go in a circle (a → b, b → a).
        for _ in 0 ... renamedTables.count {
            if let table = tables[current] { return table }
            guard let next = renamedTables[current] else { return nil }
            current = next
        }
        return nil
    }

    public mutating func recordRename(of old: RelationName, to new: RelationName) { renamedTables[old] = new }

    public mutating func setTable(_ table: Table) { tables[table.name] = table }

    public mutating func removeTable(_ name: RelationName) { tables[name] = nil }

    /// Edits a table in place; does nothing when the table is unknown.
    public mutating func updateTable(_ name: RelationName, _ change: (inout Table) -> Void) {
        guard tables[name] != nil else { return }
        // In place: a copy taken out of the dictionary would copy the table's arrays on every change.
        change(&tables[name]!)
    }

    /// Every index of every table, for lookups by index name.
    public var allIndexes: [Index] { tables.values.flatMap(\.indexes) }

    public var sortedTables: [Table] { tables.values.sorted { $0.name < $1.name } }
}

/// A table's row-level security: `relrowsecurity`, `relforcerowsecurity` and its policies' names.
public struct RowSecurity: Sendable, Hashable, Codable {
    public var enabled: Bool
    /// FORCE ROW LEVEL SECURITY: without it the table's owner bypasses every policy.
    public var forced: Bool
    public var policies: [String]

    public init(enabled: Bool = false, forced: Bool = false, policies: [String] = []) {
        self.enabled = enabled
        self.forced = forced
        self.policies = policies
    }
}

/// A table's writes since statistics were reset (`pg_stat_user_tables`).
public struct TableWrites: Sendable, Hashable, Codable {
    public var inserted: Int
    public var updated: Int
    /// Updates that touched no indexed column and found room on the page: they maintain no index.
    public var hotUpdated: Int
    public var deleted: Int

    public init(inserted: Int, updated: Int, hotUpdated: Int, deleted: Int) {
        self.inserted = inserted
        self.updated = updated
        self.hotUpdated = hotUpdated
        self.deleted = deleted
    }

    /// Writes that must also write every index: inserts and non-HOT updates.
    public var indexWrites: Int { inserted + max(0, updated - hotUpdated) }

    /// `1200 inserts, 300 updates (40% HOT)`.
    public var description: String {
        let hot = updated > 0 ? " (\(hotUpdated * 100 / updated)% HOT)" : ""
        return "\(inserted) inserts, \(updated) updates\(hot), \(deleted) deletes"
    }
}

extension RowSecurity {
    public func adding(policy: String) -> RowSecurity {
        var result = self
        result.policies.append(policy)
        return result
    }
}
