import SargableAnalysis
import SargableCore
import SargableSchema
import SargableSyntax

/// A rule over SQL statements. One type per rule in `Rules/<Category>/<RuleName>.swift`, holding its
/// documentation (`DocumentedRule.metadata`) beside its check.
public protocol SQLRule: DocumentedRule {
    /// The statements the rule reads, by the kind of their root (`[.alterTableStmt]`); nil for
    /// every statement. The linter calls `check` only for these, so `check` need not test the kind.
    static var statementKinds: [NodeKind]? { get }

    /// Called for every statement that parsed (of `statementKinds`); reports through `context.report(…)`.
    static func check(_ context: RuleContext)
}

extension SQLRule {
    public static var input: RuleInput { .statement }
    public static var statementKinds: [NodeKind]? { nil }
}

/// What a finding says, before the engine places it in a file and applies configuration.
public struct FindingText: Sendable {
    public var message: String
    public var help: String
    public var replacement: String?

    public init(message: String, help: String, replacement: String? = nil) {
        self.message = message
        self.help = help
        self.replacement = replacement
    }
}

/// A finding that can only be decided once every file has been replayed (a foreign key's index may
/// come in a later migration). `decide` sees the final schema model.
public struct DeferredFinding: Sendable {
    public var rule: String
    public var byteRange: Range<Int>
    public var decide: @Sendable (SchemaModel) -> FindingText?
}

/// An enabled rule's id and options, as every `RuleContext` of that rule reads them.
final class RuleSettings: Sendable {
    let id: String
    let options: [String: RuleOption.Value]

    init(id: String, options: [String: RuleOption.Value]) {
        self.id = id
        self.options = options
    }
}

/// What one rule sees about one statement: the statement's shared context (caches every rule
/// reuses), the rule's own id (from its metadata) and its configured options. The linter hands each
/// of a statement's rules the context with that rule's settings: the id a finding carries is always
/// the reporting rule's.
public struct RuleContext {
    public let shared: StatementContext
    /// The rule's id and configured options, one object per enabled rule: handing a context its
    /// rule's settings swaps one reference, not a string and a dictionary.
    var settings: RuleSettings
    public var ruleID: String { settings.id }
    var optionValues: [String: RuleOption.Value] { settings.options }

    init(_ shared: StatementContext, settings: RuleSettings) {
        self.shared = shared
        self.settings = settings
    }

    // Forwarded one by one, not through a key path: rules read these millions of times per run.
    /// The statement's root node (`SelectStmt`, `CreateStmt`, …).
    public var root: Node { shared.root }
    public var statement: StatementSource { shared.statement }
    public var document: SQLDocument { shared.document }
    /// The schema replayed from every DDL statement before this one (and the base schema).
    public var schema: SchemaModel { shared.schema }
    /// Tables created earlier in this file: new and empty, so locks and rewrites on them are harmless.
    public var newTables: Set<RelationName> { shared.newTables }
    /// Target PostgreSQL major version (configuration, live server, or 15).
    public var postgresVersion: Int { shared.postgresVersion }
    /// What earlier statements of the file set: timeouts, an open transaction block.
    public var session: SessionState { shared.session }
    public var predicateClauses: [QueryShape.Clause] { shared.predicateClauses }
    public var predicateExpressions: [(expression: Node, clause: QueryShape.Clause)] { shared.predicateExpressions }
    public var statementTokens: [Token] { shared.statementTokens }
    /// The FROM items of the statement's root (a SELECT's tables and aliases), read once for the
    /// rules that ask.
    public var rootScope: FromScope { memoized(FromScope.self) { FromScope(shared.root) } }

    /// A typed option's configured value (`context[Self.threshold]`), or its default.
    public subscript<Value>(option: TypedOption<Value>) -> Value { option.value(in: optionValues) }

    public func nodes(_ kind: NodeKind) -> [Node] { shared.nodes(kind) }
    /// A value worked out once per statement for every rule that asks under the same `key` type
    /// (several rules read the same facts, such as the columns' types).
    public func memoized<Value>(_ key: Any.Type, _ compute: () -> Value) -> Value { shared.memoized(key, compute) }
    public func existingIndex(on table: Table, method: String, keys: [IndexKey], operatorClasses: [String?],
                              predicate: IndexExpression?) -> Index? {
        shared.existingIndex(on: table, method: method, keys: keys, operatorClasses: operatorClasses, predicate: predicate)
    }
    public func isNewTable(_ name: RelationName) -> Bool { shared.isNewTable(name) }
    public func startOffset(of node: Node) -> Int { shared.startOffset(of: node) }
    public func leadingWords(_ count: Int) -> (words: [String], range: Range<Int>)? { shared.leadingWords(count) }
    public func knownTables(in scope: FromScope) -> [Table] { shared.knownTables(in: scope) }
    public func table(of column: Node, in scope: FromScope) -> Table? { shared.table(of: column, in: scope) }
    public func alterCommandsOnExistingTable() -> StatementContext.AlterCommands? { shared.alterCommandsOnExistingTable() }
    public func qualified(_ table: RelationName, _ column: String) -> String { shared.qualified(table, column) }

    /// Reports at a node: the caret goes under the node's first token (`created_at` in
    /// `created_at::date`, whose own location is the `::`).
    public func report(_ node: Node, _ text: FindingText) {
        report(byteOffset: shared.startOffset(of: node), text)
    }

    /// Reports at the statement's first token (`ALTER`, `UPDATE`).
    public func reportAtStatement(_ text: FindingText) {
        report(byteOffset: shared.statement.range.lowerBound, text)
    }

    public func report(byteOffset: Int, _ text: FindingText) {
        shared.record(ruleID, byteOffset ..< byteOffset + shared.tokenLength(at: byteOffset), text)
    }

    /// Reports at the statement's first token unless this rule already did so in this file: for a
    /// problem one fix at the top of the file solves (a missing `SET lock_timeout`).
    public func reportOncePerFile(_ text: FindingText) {
        let offset = shared.statement.range.lowerBound
        shared.record(ruleID, offset ..< offset + shared.tokenLength(at: offset), text, oncePerFile: true)
    }

    /// Reports a finding that covers `range` (file byte offsets), e.g. the tokens a replacement rewrites.
    public func report(range: Range<Int>, _ text: FindingText) {
        shared.record(ruleID, range, text)
    }

    /// Reports at a node once every file is replayed, when `decide` (given the final schema) says so.
    public func reportAfterReplay(_ node: Node, _ decide: @escaping @Sendable (SchemaModel) -> FindingText?) {
        let offset = shared.startOffset(of: node)
        shared.recordDeferred(DeferredFinding(rule: ruleID, byteRange: offset ..< offset + shared.tokenLength(at: offset),
                                              decide: decide))
    }
}

/// Everything rules see about one statement, shared by the rules that check it.
public final class StatementContext {
    /// The statement's root node (`SelectStmt`, `CreateStmt`, …).
    public let root: Node
    public let statement: StatementSource
    public let document: SQLDocument
    /// The schema replayed from every DDL statement before this one (and the base schema).
    public let schema: SchemaModel
    /// Tables created earlier in this file: new and empty, so locks and rewrites on them are harmless.
    public let newTables: Set<RelationName>
    /// Target PostgreSQL major version (configuration, live server, or 15).
    public let postgresVersion: Int
    /// What earlier statements of the file set: timeouts, an open transaction block.
    public let session: SessionState
    private(set) var reported: [(rule: String, range: Range<Int>, text: FindingText, oncePerFile: Bool)] = []
    private(set) var deferred: [DeferredFinding] = []
    private let index: StatementIndex
    private var tokens: [Token]?
    private let indexLookup: IndexLookup

    init(root: Node, index: StatementIndex, statement: StatementSource, document: SQLDocument, schema: SchemaModel,
         newTables: Set<RelationName>, indexLookup: IndexLookup, postgresVersion: Int, session: SessionState = SessionState()) {
        self.root = root
        self.session = session
        self.indexLookup = indexLookup
        self.index = index
        self.statement = statement
        self.document = document
        self.schema = schema
        self.newTables = newTables
        self.postgresVersion = postgresVersion
    }

    /// Every node of `kind` in the statement, in pre-order.
    public func nodes(_ kind: NodeKind) -> [Node] {
        guard let slot = StatementIndex.slot(of: kind) else { return root.descendants(ofKind: kind) }
        return index.nodesBySlot[slot]
    }

    private var clauses: [QueryShape.Clause]?
    /// `memoized` values by key type: a list, as a statement has one or two.
    private var memos: [(key: ObjectIdentifier, value: Any)] = []

    /// The value `compute` gives, worked out once per statement for each `key` type.
    public func memoized<Value>(_ key: Any.Type, _ compute: () -> Value) -> Value {
        let identifier = ObjectIdentifier(key)
        if let memo = memos.first(where: { $0.key == identifier }), let value = memo.value as? Value { return value }
        let value = compute()
        memos.append((identifier, value))
        return value
    }
    private var expressions: [(expression: Node, clause: QueryShape.Clause)]?

    /// Every WHERE, HAVING and JOIN … ON predicate of the statement, from the analysis, once.
    public var predicateClauses: [QueryShape.Clause] {
        if let clauses { return clauses }
        let found = QueryShape.predicateClauses(statements: nodes(.selectStmt) + nodes(.updateStmt) + nodes(.deleteStmt),
                                                joins: nodes(.joinExpr))
        clauses = found
        return found
    }

    /// Every comparison or arithmetic of those predicates, with its clause.
    public var predicateExpressions: [(expression: Node, clause: QueryShape.Clause)] {
        if let expressions { return expressions }
        let found = QueryShape.predicateExpressions(predicateClauses)
        expressions = found
        return found
    }

    /// The first index of `table` with this method, keys, operator classes (nil: the default) and
    /// predicate, found without scanning the table's indexes.
    public func existingIndex(on table: Table, method: String, keys: [IndexKey], operatorClasses: [String?],
                              predicate: IndexExpression?) -> Index? {
        indexLookup.first(on: table, matching: IndexSignature(method: method, keys: keys, operatorClasses: operatorClasses,
                                                               predicate: predicate))
    }

    /// True when the table was created earlier in this file (so it is new and empty).
    public func isNewTable(_ name: RelationName) -> Bool { newTables.contains(name) }

    /// File offset of the earliest location in the node's subtree; the statement start when none.
    public func startOffset(of node: Node) -> Int {
        var earliest: Int?
        node.walk { child in
            if let location = child.location, earliest.map({ location < $0 }) ?? true { earliest = location }
            return .visitChildren
        }
        return earliest.map { $0 + root.tree.sourceOffset } ?? statement.range.lowerBound
    }

    func record(_ rule: String, _ range: Range<Int>, _ text: FindingText, oncePerFile: Bool = false) {
        reported.append((rule, range, text, oncePerFile))
    }

    func recordDeferred(_ finding: DeferredFinding) {
        deferred.append(finding)
    }

    /// The statement's tokens (ranges relative to the statement text), from one scan shared by
    /// every rule that needs them.
    public var statementTokens: [Token] {
        if let tokens { return tokens }
        let scanned = (try? PgQuery.scan(statement.text)) ?? []
        tokens = scanned
        return scanned
    }

    /// The statement's leading keywords, up to `count`, with their file range: `CREATE UNIQUE INDEX`.
    public func leadingWords(_ count: Int) -> (words: [String], range: Range<Int>)? {
        let start = statement.range.lowerBound
        let leading = statementTokens.prefix(count)
        guard let first = leading.first, let last = leading.last else { return nil }
        let words = leading.map { document.file.text(of: $0.range.lowerBound + start ..< $0.range.upperBound + start).uppercased() }
        return (words, first.range.lowerBound + start ..< last.range.upperBound + start)
    }

    /// Length of the token at a file offset (where libpg_query located a node). Identifiers and
    /// keywords are measured without the scanner, which saves a scan of the statement for most
    /// carets; any other token comes from the statement's (cached) scan.
    func tokenLength(at offset: Int) -> Int {
        if let length = document.identifierLength(at: offset) { return length }
        let tokens = statementTokens
        let relative = offset - statement.range.lowerBound
        var low = 0, high = tokens.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let start = tokens[middle].range.lowerBound
            if start == relative { return max(1, tokens[middle].range.count) }
            if start < relative { low = middle + 1 } else { high = middle - 1 }
        }
        return document.tokenLength(at: offset)
    }

    /// The tables of `scope` the schema model knows.
    public func knownTables(in scope: FromScope) -> [Table] {
        scope.relations.compactMap(schema.table)
    }

    /// The table a column reference belongs to, given the statement's FROM items.
    public func table(of column: Node, in scope: FromScope) -> Table? {
        scope.table(of: column, in: schema)
    }

    public typealias AlterCommands = (table: RelationName, relation: Node, commands: [(subtype: AlterTableType, command: Node)])
    /// `alterCommandsOnExistingTable()` once worked out (a dozen migration rules ask for it).
    private var alterCommands: AlterCommands??

    /// The ALTER TABLE commands of the statement with their subtype, when the target table already
    /// existed before this file (new tables are empty, so their locks and rewrites are harmless).
    public func alterCommandsOnExistingTable() -> AlterCommands? {
        if let alterCommands { return alterCommands }
        let found = readAlterCommands()
        alterCommands = .some(found)
        return found
    }

    private func readAlterCommands() -> AlterCommands? {
        guard let alter = root.as(AlterTableStmt.self), (alter.objtype ?? .table) == .table,
              let relation = root[.relation], let table = relation.relationName, !isNewTable(table)
        else { return nil }
        let commands = (root[.cmds]?.elements ?? []).compactMap { command in
            command.as(AlterTableCmd.self)?.subtype.map { ($0, command) }
        }
        return (table, relation, commands)
    }

    /// `orders.user_id` for messages.
    public func qualified(_ table: RelationName, _ column: String) -> String { "\(table).\(column)" }
}

/// What one walk over a statement finds: the nodes of the kinds rules look for most. `relations(in:)`
/// walks for every relation a statement names (which decides the part of the schema its file needs).
struct StatementIndex: Sendable {
    var nodesBySlot: [[Node]]

    /// Where the walk files a node kind; other kinds get a walk of their own when asked for.
    /// Indexing every node would retain the tree once per node, which costs more than it saves.
    static func slot(of kind: NodeKind) -> Int? {
        switch kind {
        case .selectStmt: 0
        case .updateStmt: 1
        case .deleteStmt: 2
        case .insertStmt: 3
        case .sortBy: 4
        case .boolExpr: 5
        case .columnDef: 6
        case .joinExpr: 7
        default: nil
        }
    }

    init(_ root: Node) {
        var slots = Array(repeating: [Node](), count: 8)
        // No relation names here: the lint job does not need them, and reading every object's
        // `relname` costs more than filing the nodes.
        root.forEachNodeOrObject { kind, _, node in
            if let kind, let slot = Self.slot(of: kind) { slots[slot].append(node()) }
        }
        nodesBySlot = slots
    }

    /// The relations a statement names, without filing its nodes: RangeVars, wrapped or in typed
    /// pointer fields (`InsertStmt.relation`), where they are plain objects.
    static func relations(in root: Node) -> [RelationName] {
        var relations: [RelationName] = []
        root.forEachNodeOrObject { kind, declaredKind, node in
            // A plain object of unknown type (read from JSON) may be a RangeVar too.
            guard kind == .rangeVar || (kind == nil && (declaredKind == nil || declaredKind == .rangeVar)),
                  let name = node().relationName else { return }
            relations.append(name)
        }
        return relations
    }
}
