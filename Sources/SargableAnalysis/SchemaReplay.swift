import SargableSchema
import SargableSyntax

/// Replays DDL statements in order into a `SchemaModel`: the schema a query rule consults when no
/// database is given. Tables created since `beginFile()` count as new (and empty) for migration rules.
public struct SchemaReplay: Sendable {
    public private(set) var schema: SchemaModel
    /// Tables created in the current file.
    public private(set) var newTables: Set<RelationName> = []
    /// Indexes by what they index, for the tables asked about; kept up to date as indexes are created.
    public let indexLookup = IndexLookup()

    public init(base: SchemaModel = SchemaModel()) {
        schema = base
    }

    /// Starts a new file: tables created before it are existing and busy from now on.
    public mutating func beginFile() { newTables = [] }

    /// True for the statements `apply` reads (CREATE TABLE, CREATE INDEX, ALTER, RENAME, DROP, …).
    public static func changesSchema(_ root: Node) -> Bool {
        switch root.kind {
        case .createStmt, .createTableAsStmt, .indexStmt, .alterTableStmt, .renameStmt, .dropStmt, .createPolicyStmt: true
        default: false
        }
    }

    /// Applies one statement; statements that do not change the schema are ignored.
    public mutating func apply(_ root: Node) {
        // Only CREATE INDEX keeps the lookup current; anything else may change a table's indexes.
        if root.kind != .indexStmt { indexLookup.forgetAll() }
        switch root.kind {
        case .createStmt: createTable(root)
        case .createTableAsStmt:
            if let name = root[.into, .rel]?.relationName, schema.table(name) == nil {
                schema.setTable(Table(name: name))
                newTables.insert(name)
            }
        case .indexStmt: createIndex(root)
        case .alterTableStmt: alterTable(root)
        case .renameStmt: rename(root)
        case .dropStmt: drop(root)
        case .createPolicyStmt:
            guard let table = root.as(CreatePolicyStmt.self)?.table?.node.relationName,
                  let policy = root.as(CreatePolicyStmt.self)?.policyName else { return }
            schema.updateTable(table) { $0.rowSecurity = ($0.rowSecurity ?? RowSecurity()).adding(policy: policy) }
        default: break
        }
    }

    // MARK: - CREATE TABLE

    private mutating func createTable(_ statement: Node) {
        guard let name = statement[.relation]?.relationName else { return }
        if schema.table(name) != nil, statement[.ifNotExists]?.bool == true { return }
        var table = Table(name: name)
        for element in statement[.tableElts]?.elements ?? [] {
            switch element.kind {
            case .columnDef: Self.addColumn(element, to: &table)
            case .constraint: Self.addConstraint(element, to: &table, column: nil)
            case .tableLikeClause:
                if let source = element[.relation]?.relationName, let copied = schema.table(source) {
                    table.columns.append(contentsOf: copied.columns)
                }
            default: break
            }
        }
        for parent in statement[.inhRelations]?.elements ?? [] {
            if let parentName = parent.relationName, let parentTable = schema.table(parentName) {
                table.columns.insert(contentsOf: parentTable.columns.filter { table.column(named: $0.name) == nil }, at: 0)
            }
        }
        table.isPartitioned = statement[.partspec] != nil
        schema.setTable(table)
        newTables.insert(name)
    }

    private static func addColumn(_ definition: Node, to table: inout Table) {
        guard let name = definition[.colname]?.string else { return }
        let typeName = definition[.typeName]
        let typeText = typeName.map(TypeText.of) ?? ""
        let isSerial = ["serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"].contains(typeText)
        let constraints = definition[.constraints]?.elements ?? []
        let types = Set(constraints.compactMap { $0.as(Constraint.self)?.contype })
        var column = Column(name: name, type: typeText, isArray: typeName.map(TypeText.isArray) ?? false,
                            notNull: isSerial || types.contains(.notnull) || types.contains(.primary)
                                || types.contains(.identity),
                            hasDefault: isSerial || types.contains(.default) || types.contains(.identity)
                                || types.contains(.generated))
        if isSerial { column.type = ["bigserial", "serial8"].contains(typeText) ? "bigint" : typeText.hasPrefix("small") || typeText == "serial2" ? "smallint" : "integer" }
        table.columns.removeAll { $0.name == name }
        table.columns.append(column)
        for constraint in constraints { Self.addConstraint(constraint, to: &table, column: name) }
    }

    /// Adds a PRIMARY KEY, UNIQUE or FOREIGN KEY constraint (inline on `column`, or a table constraint).
    private static func addConstraint(_ constraint: Node, to table: inout Table, column: String?) {
        let keys = column.map { [$0] } ?? (constraint[.keys]?.stringValues ?? [])
        switch constraint.as(Constraint.self)?.contype {
        case .primary?:
            guard !keys.isEmpty else { return }
            table.primaryKey = keys
            for key in keys { Self.mark(key, in: &table) { $0.notNull = true } }
            table.indexes.append(Index(name: constraint[.conname]?.string ?? "\(table.name.name)_pkey", table: table.name,
                                       keys: keys.map(IndexKey.column), isUnique: true, isPrimary: true))
        case .unique?:
            guard !keys.isEmpty else { return }
            table.uniqueConstraints.append(keys)
            table.indexes.append(Index(name: constraint[.conname]?.string ?? "\(table.name.name)_\(keys.joined(separator: "_"))_key",
                                       table: table.name, keys: keys.map(IndexKey.column), isUnique: true))
        case .foreign?:
            guard let referenced = constraint[.pktable]?.relationName else { return }
            let columns = column.map { [$0] } ?? (constraint[.fkAttrs]?.stringValues ?? [])
            table.foreignKeys.append(ForeignKey(
                name: constraint[.conname]?.string, table: table.name, columns: columns, referencedTable: referenced,
                referencedColumns: constraint[.pkAttrs]?.stringValues ?? [],
                onDelete: ForeignKeyAction.name(constraint[.fkDelAction]?.string),
                isValidated: constraint[.skipValidation]?.bool != true))
        case .check?:
            let columns = constraint[.rawExpr].map(Self.columnsProvedNotNull) ?? []
            guard !columns.isEmpty else { return }
            table.notNullChecks.append(NotNullCheck(name: constraint[.conname]?.string, columns: columns,
                                                    isValidated: constraint[.skipValidation]?.bool != true))
        case .notnull?:
            if let column { Self.mark(column, in: &table) { $0.notNull = true } }
        case .default?:
            if let column { Self.mark(column, in: &table) { $0.hasDefault = true } }
        default: break
        }
    }

    /// The columns a CHECK expression proves not null: `c IS NOT NULL`, and each side of an AND.
    static func columnsProvedNotNull(_ expression: Node) -> [String] {
        switch expression.kind {
        case .nullTest:
            guard expression.as(NullTest.self)?.nulltesttype == .notNull,
                  let column = expression[.arg]?.columnReference?.column else { return [] }
            return [column]
        case .boolExpr where expression.as(BoolExpr.self)?.boolop == .and:
            return (expression[.args]?.elements ?? []).flatMap(columnsProvedNotNull)
        default:
            return []
        }
    }

    private static func mark(_ column: String, in table: inout Table, _ change: (inout Column) -> Void) {
        guard let index = table.columns.firstIndex(where: { $0.name == column }) else { return }
        change(&table.columns[index])
    }

    /// A table the DDL touches but no replayed statement created: known from now on, without columns.
    private mutating func ensureTable(_ name: RelationName) {
        if schema.table(name) == nil { schema.setTable(Table(name: name)) }
    }

    // MARK: - CREATE INDEX

    private mutating func createIndex(_ statement: Node) {
        guard let tableName = statement[.relation]?.relationName else { return }
        ensureTable(tableName)
        let elements = statement[.indexParams]?.elements ?? []
        let keys: [IndexKey] = elements.map { element in
            if let name = element[.name]?.string { return .column(name) }
            return element[.expr].map { .expression(ExpressionIdentity.expression($0)) } ?? .expression("?")
        }
        let name = statement[.idxname]?.string
            ?? "\(tableName.name)_\(keys.map { $0.columnName ?? "expr" }.joined(separator: "_"))_idx"
        if statement[.ifNotExists]?.bool == true, schema.index(named: RelationName(schema: tableName.schema, name: name)) != nil { return }
        let index = Index(name: name, table: tableName, keys: keys, isUnique: statement[.unique]?.bool == true,
                          isPrimary: statement[.primary]?.bool == true,
                          method: statement[.accessMethod]?.string ?? "btree",
                          operatorClasses: elements.map { $0[.opclass]?.stringValues.last },
                          predicate: statement[.whereClause].map(ExpressionIdentity.expression))
        schema.updateTable(tableName) { $0.indexes.append(index) }
        indexLookup.addLast(of: schema.table(tableName))
    }

    // MARK: - ALTER TABLE

    private mutating func alterTable(_ statement: Node) {
        guard (statement.as(AlterTableStmt.self)?.objtype ?? .table) == .table,
              let name = statement[.relation]?.relationName else { return }
        ensureTable(name)
        for command in statement[.cmds]?.elements ?? [] {
            let column = command[.name]?.string
            schema.updateTable(name) { table in
                switch command.as(AlterTableCmd.self)?.subtype {
                case .addColumn?:
                    if let definition = command[.def] { Self.addColumn(definition, to: &table) }
                case .dropColumn?:
                    guard let column else { break }
                    table.columns.removeAll { $0.name == column }
                    table.indexes.removeAll { $0.keys.contains(.column(column)) }
                    table.foreignKeys.removeAll { $0.columns.contains(column) }
                    if table.primaryKey?.contains(column) == true { table.primaryKey = nil }
                    table.uniqueConstraints.removeAll { $0.contains(column) }
                case .alterColumnType?:
                    guard let column, let typeName = command[.def, .typeName] else { break }
                    Self.mark(column, in: &table) {
                        $0.type = TypeText.of(typeName)
                        $0.isArray = TypeText.isArray(typeName)
                    }
                case .setNotNull?:
                    if let column { Self.mark(column, in: &table) { $0.notNull = true } }
                case .dropNotNull?:
                    if let column { Self.mark(column, in: &table) { $0.notNull = false } }
                case .columnDefault?:
                    if let column { Self.mark(column, in: &table) { $0.hasDefault = command[.def] != nil } }
                case .addConstraint?:
                    if let constraint = command[.def] { Self.addConstraint(constraint, to: &table, column: nil) }
                case .enableRowSecurity?, .disableRowSecurity?, .forceRowSecurity?, .noForceRowSecurity?:
                    var security = table.rowSecurity ?? RowSecurity()
                    switch command.as(AlterTableCmd.self)?.subtype {
                    case .enableRowSecurity?: security.enabled = true
                    case .disableRowSecurity?: security.enabled = false
                    case .forceRowSecurity?: security.forced = true
                    default: security.forced = false
                    }
                    table.rowSecurity = security
                case .validateConstraint?:
                    for index in table.foreignKeys.indices where table.foreignKeys[index].name == column {
                        table.foreignKeys[index].isValidated = true
                    }
                    for index in table.notNullChecks.indices where table.notNullChecks[index].name == column {
                        table.notNullChecks[index].isValidated = true
                    }
                case .dropConstraint?:
                    guard let column else { break }
                    table.foreignKeys.removeAll { $0.name == column }
                    table.notNullChecks.removeAll { $0.name == column }
                    if let index = table.indexes.first(where: { $0.name == column }) {
                        table.indexes.removeAll { $0.name == column }
                        if index.isPrimary { table.primaryKey = nil }
                        table.uniqueConstraints.removeAll { $0 == index.keys.compactMap(\.columnName) }
                    }
                default: break
                }
            }
        }
    }

    // MARK: - RENAME and DROP

    private mutating func rename(_ statement: Node) {
        guard let newName = statement[.newname]?.string else { return }
        switch statement.as(RenameStmt.self)?.renameType {
        case .table?:
            guard let old = statement[.relation]?.relationName, var table = schema.table(old) else { return }
            let renamed = RelationName(schema: old.schema, name: newName)
            schema.removeTable(old)
            table.name = renamed
            for index in table.indexes.indices { table.indexes[index].table = renamed }
            for key in table.foreignKeys.indices { table.foreignKeys[key].table = renamed }
            schema.setTable(table)
            schema.recordRename(of: old, to: renamed)
            if newTables.remove(old) != nil { newTables.insert(renamed) }
        case .column?:
            guard let tableName = statement[.relation]?.relationName, let old = statement[.subname]?.string else { return }
            schema.updateTable(tableName) { table in
                let swap = { (name: String) in name == old ? newName : name }
                for index in table.columns.indices where table.columns[index].name == old { table.columns[index].name = newName }
                table.primaryKey = table.primaryKey?.map(swap)
                table.uniqueConstraints = table.uniqueConstraints.map { $0.map(swap) }
                for index in table.indexes.indices {
                    table.indexes[index].keys = table.indexes[index].keys.map { key in
                        key.columnName.map { .column(swap($0)) } ?? key
                    }
                }
                for key in table.foreignKeys.indices { table.foreignKeys[key].columns = table.foreignKeys[key].columns.map(swap) }
            }
        case .index?:
            guard let old = statement[.relation]?.relationName, let index = schema.index(named: old) else { return }
            schema.updateTable(index.table) { table in
                for position in table.indexes.indices where table.indexes[position].name == old.name {
                    table.indexes[position].name = newName
                }
            }
        default: break
        }
    }

    /// The qualified names a DROP statement lists.
    public static func droppedNames(_ statement: Node) -> [RelationName] {
        (statement[.objects]?.elements ?? []).compactMap { object in
            (object[.items] ?? object).qualifiedName.map { RelationName(schema: $0.schema, name: $0.name) }
        }
    }

    /// The table (CREATE TABLE) or index (CREATE INDEX with a name) a statement creates.
    public static func createdObject(_ root: Node) -> RelationName? {
        switch root.kind {
        case .createStmt: return root[.relation]?.relationName
        case .indexStmt:
            guard let name = root[.idxname]?.string, let table = root[.relation]?.relationName else { return nil }
            return RelationName(schema: table.schema, name: name)
        default: return nil
        }
    }

    /// Indexes a statement names (DROP INDEX, ALTER INDEX … RENAME, REINDEX INDEX).
    public static func indexesNamed(by root: Node) -> [RelationName] {
        switch root.kind {
        case .dropStmt where root.as(DropStmt.self)?.removeType == .index: droppedNames(root)
        case .renameStmt where root.as(RenameStmt.self)?.renameType == .index: root[.relation]?.relationName.map { [$0] } ?? []
        case .reindexStmt where root.as(ReindexStmt.self)?.kind == .index: root[.relation]?.relationName.map { [$0] } ?? []
        case .alterTableStmt where root.as(AlterTableStmt.self)?.objtype == .index: root[.relation]?.relationName.map { [$0] } ?? []
        default: []
        }
    }

    private mutating func drop(_ statement: Node) {
        let names = Self.droppedNames(statement)
        switch statement.as(DropStmt.self)?.removeType {
        case .table?:
            for name in names { schema.removeTable(name) }
        case .index?:
            for name in names {
                guard let index = schema.index(named: name) else { continue }
                schema.updateTable(index.table) { $0.indexes.removeAll { $0.name == name.name } }
            }
        case .policy?:
            // DROP POLICY p ON [schema.]t: the table's name, then the policy's.
            for object in statement[.objects]?.elements ?? [] {
                let parts = (object[.items] ?? object).stringValues
                guard parts.count >= 2, let policy = parts.last else { continue }
                let table = RelationName(schema: parts.count >= 3 ? parts[parts.count - 3] : nil, name: parts[parts.count - 2])
                schema.updateTable(table) { $0.rowSecurity?.policies.removeAll { $0 == policy } }
            }
        default: break
        }
    }
}

/// What makes two indexes interchangeable: method, keys, operator classes and predicate (keys and
/// predicates compared by structure).
public struct IndexSignature: Hashable, Sendable {
    let method: String
    let keys: [IndexKey]
    /// One per key; nil for the key type's default class.
    let operatorClasses: [String?]
    let predicate: IndexExpression?

    public init(method: String, keys: [IndexKey], operatorClasses: [String?], predicate: IndexExpression?) {
        self.method = method
        self.keys = keys
        self.operatorClasses = operatorClasses.isEmpty ? Array(repeating: nil, count: keys.count) : operatorClasses
        self.predicate = predicate
    }

    public init(_ index: Index) {
        self.init(method: index.method, keys: index.keys, operatorClasses: index.operatorClasses, predicate: index.predicate)
    }
}

/// The first index of a table with a given signature, found by hashing: a scan of the table's
/// indexes for every CREATE INDEX is quadratic in a long migration history. Built per table on
/// first use, from the schema the replay has at that moment.
public final class IndexLookup: @unchecked Sendable {
    // One per SchemaReplay, used by the thread that owns the replay only.
    // Positions in the table's `indexes`, not copies of the indexes: a table with tens of thousands
    // of indexes would otherwise hold each one twice. Positions stay valid because only CREATE
    // INDEX (which appends) keeps the lookup; every other statement clears it.
    private var tables: [RelationName: [IndexSignature: Int]] = [:]

    public func first(on table: Table, matching signature: IndexSignature) -> Index? {
        if tables[table.name] == nil {
            var byShape: [IndexSignature: Int] = [:]
            for (position, index) in table.indexes.enumerated() where byShape[IndexSignature(index)] == nil {
                byShape[IndexSignature(index)] = position
            }
            tables[table.name] = byShape
        }
        guard let position = tables[table.name]?[signature], position < table.indexes.count else { return nil }
        return table.indexes[position]
    }

    /// Records the index just appended to `table` (an earlier one with the same signature stays first).
    func addLast(of table: Table?) {
        guard let table, let index = table.indexes.last, tables[table.name] != nil,
              tables[table.name]?[IndexSignature(index)] == nil else { return }
        tables[table.name]?[IndexSignature(index)] = table.indexes.count - 1
    }

    func forgetAll() {
        if !tables.isEmpty { tables = [:] }
    }
}

/// `fk_del_action` letters as PostgreSQL's catalog spells them.
public enum ForeignKeyAction {
    public static func name(_ letter: String?) -> String? {
        switch letter {
        case "c": "cascade"
        case "n": "set null"
        case "d": "set default"
        case "r": "restrict"
        // "a" (NO ACTION) is also what libpg_query writes when the statement names no action.
        default: nil
        }
    }
}

extension SchemaModel {
    /// The index with this name (its schema is the table's schema).
    public func index(named name: RelationName) -> Index? {
        for table in tables.values where table.name.schema == name.schema {
            if let index = table.indexes.first(where: { $0.name == name.name }) { return index }
        }
        return nil
    }

    /// The tables named in `relations` and the tables that own the indexes in `indexes`.
    public func subset(relations: Set<RelationName>, indexes: Set<RelationName>) -> SchemaModel {
        var result = SchemaModel()
        result.serverVersion = serverVersion
        for name in relations {
            if let table = table(name) { result.setTable(table) }
        }
        for name in indexes {
            if let owner = index(named: name)?.table, let table = table(owner) { result.setTable(table) }
        }
        return result
    }
}
