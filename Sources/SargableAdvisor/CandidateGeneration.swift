import SargableAnalysis
import SargablePostgres
import SargableSchema
import SargableSyntax

/// What one statement can use an index for, per table: the columns it compares, joins, sorts and
/// groups on, the expressions it compares, and every column it reads. A candidate matters to a
/// statement only when its leading key is one of these: no other index can change its plan.
struct StatementNeeds: Sendable {
    var tables: Set<RelationName> = []
    var written: Set<RelationName> = []
    var usableColumns: [RelationName: Set<String>] = [:]
    var usableExpressions: [RelationName: Set<IndexExpression>] = [:]
    var updatedColumns: [RelationName: Set<String>] = [:]

    func canUse(_ candidate: IndexCandidate) -> Bool {
        guard tables.contains(candidate.table) else { return false }
        switch candidate.keys.first {
        case .column(let name)?: return usableColumns[candidate.table]?.contains(name) ?? false
        case .expression(let expression)?: return usableExpressions[candidate.table]?.contains(expression) ?? false
        case nil: return false
        }
    }
}

/// Candidate indexes from what statements mean (`SargableAnalysis`), per table and operator class:
/// equality columns first (most distinct first), then one range or the sort keys; expression
/// indexes for wrapped columns; partial indexes for constant conditions; covering (INCLUDE) and
/// BRIN variants. Selection grows them further one column at a time.
struct CandidateGeneration {
    let schema: SchemaModel
    let statistics: PlannerStatistics
    let maxWidth: Int

    /// Tables smaller than this are read whole whatever the indexes (a few pages).
    static let smallTableRows = 1_000
    /// BRIN pays only on big tables whose key follows the physical order closely.
    static let brinRows = 100_000
    static let brinCorrelation = 0.9
    /// A covering index carries at most this many columns in all.
    static let coveringColumns = 6

    func needs(of analysis: StatementAnalysis) -> StatementNeeds {
        var needs = StatementNeeds()
        for block in analysis.blocks {
            needs.tables.formUnion(block.relations.values)
            if let target = block.target { needs.written.insert(target) }
            if block.kind == .update, let target = block.target {
                needs.updatedColumns[target, default: []].formUnion(block.setColumns.map(\.column))
            }
            for column in block.conditionColumns {
                guard let relation = column.relation else { continue }
                needs.usableColumns[relation, default: []].insert(column.column)
            }
            for predicate in block.expressionPredicates {
                guard let relation = predicate.relation else { continue }
                needs.usableExpressions[relation, default: []].insert(predicate.expression)
            }
            for key in block.orderBy + block.groupBy {
                if case .column(let column) = key.key, let relation = column.relation {
                    needs.usableColumns[relation, default: []].insert(column.column)
                }
            }
        }
        return needs
    }

    func candidates(of analysis: StatementAnalysis) -> [IndexCandidate] {
        var result: [IndexCandidate] = []
        for block in analysis.blocks {
            for relation in Set(block.relations.values).sorted() {
                guard let table = schema.table(relation), (table.estimatedRows ?? 0) >= Self.smallTableRows else { continue }
                result += candidates(for: block, on: table)
            }
        }
        return result
    }

    private func candidates(for block: QueryBlock, on table: Table) -> [IndexCandidate] {
        let relation = table.name
        let predicates = block.predicates(on: relation)
        var equality: [String] = []
        var range: [String] = []
        var prefixLike: [String] = []
        var constantConditions: [(column: String, condition: IndexExpression)] = []
        for predicate in predicates {
            let column = predicate.column.column
            guard table.column(named: column) != nil else { continue }
            switch predicate.comparison {
            case .equality, .inList, .isNull, .joinKey: append(column, to: &equality)
            case .range: append(column, to: &range)
            case .prefixLike: append(column, to: &prefixLike)
            case .isNotNull: break
            }
            if let condition = constantCondition(predicate) { constantConditions.append((column, condition)) }
        }
        let rows = Double(table.estimatedRows ?? 0)
        // Most distinct values first: the leading key narrows the most.
        equality.sort { distinct(relation, $0, rows) > distinct(relation, $1, rows) }
        let sortKeys = columnKeys(block.orderBy, on: relation, in: table)
        let groupKeys = columnKeys(block.groupBy, on: relation, in: table)

        var result: [IndexCandidate] = []
        func add(_ keys: [String], classes: [String?]? = nil, include: [String] = [], predicate: IndexExpression? = nil,
                 method: String = "btree", _ reason: String) {
            guard !keys.isEmpty else { return }
            var unique: [String] = []
            for key in keys where !unique.contains(key) { unique.append(key) }
            result.append(IndexCandidate(table: relation, method: method, keys: unique.prefix(maxWidth).map { .column($0) },
                                         operatorClasses: classes.map { Array($0.prefix(min(unique.count, maxWidth))) },
                                         include: include.filter { !unique.contains($0) }, predicate: predicate, reason: reason))
        }
        for column in equality { add([column], "equality on \(column)") }
        for column in range { add([column], "range on \(column)") }
        for column in prefixLike {
            add([column], classes: [textPatternClass(table, column)], "prefix LIKE on \(column)")
        }
        for width in stride(from: 2, through: min(maxWidth, equality.count), by: 1) {
            add(Array(equality.prefix(width)), "equality on \(equality.prefix(width).joined(separator: ", "))")
        }
        let leading = Array(equality.prefix(maxWidth - 1))
        if !leading.isEmpty {
            for column in range { add(leading + [column], "equality on \(leading.joined(separator: ", ")), range on \(column)") }
        }
        if !sortKeys.isEmpty {
            let why = block.limit != nil ? "ORDER BY \(sortKeys.joined(separator: ", ")) with LIMIT" : "ORDER BY \(sortKeys.joined(separator: ", "))"
            add(sortKeys, why)
            if !equality.isEmpty { add(Array(equality.prefix(maxWidth - 1)) + sortKeys, "equality, then " + why) }
        }
        if !groupKeys.isEmpty { add(groupKeys, "GROUP BY \(groupKeys.joined(separator: ", "))") }

        // Covering: the best key of the block plus what else it reads, for an index-only scan.
        let read = block.columnsRead.filter { $0.relation == relation }.map(\.column)
        let coveringKey = !equality.isEmpty ? Array(equality.prefix(maxWidth - 1)) + Array(range.prefix(1))
            : !range.isEmpty ? [range[0]] : sortKeys
        if block.kind == .select, !coveringKey.isEmpty, read.count > coveringKey.count, read.count <= Self.coveringColumns {
            add(coveringKey, include: read, "covering: \(coveringKey.joined(separator: ", ")) with INCLUDE for an index-only scan")
        }

        // Partial: a constant condition becomes the predicate, the other keys the index.
        for (column, condition) in constantConditions {
            let others = equality.filter { $0 != column } + range
            let keys = others.isEmpty ? (sortKeys.isEmpty ? [] : sortKeys) : Array(others.prefix(maxWidth))
            add(keys, predicate: condition, "partial: only rows where \(condition.text)")
        }

        if rows >= Double(Self.brinRows) {
            for column in range where abs(statistics.column(relation, column)?.correlation ?? 0) >= Self.brinCorrelation {
                add([column], method: "brin", "BRIN: \(column) follows the table's physical order")
            }
        }

        for predicate in block.expressionPredicates where predicate.relation == relation {
            switch predicate.comparison {
            case .isNotNull, .joinKey: continue
            default: break
            }
            if let candidate = expressionCandidate(predicate.expression, on: relation) { result.append(candidate) }
        }
        return result
    }

    private func append(_ column: String, to list: inout [String]) {
        if !list.contains(column) { list.append(column) }
    }

    private func distinct(_ relation: RelationName, _ column: String, _ rows: Double) -> Double {
        statistics.column(relation, column)?.distinctValues(rows: rows) ?? 0
    }

    /// Sort keys that are all columns of `relation`, in order (mixed directions excepted: a b-tree
    /// scanned either way serves one direction only).
    private func columnKeys(_ keys: [OrderKey], on relation: RelationName, in table: Table) -> [String] {
        var columns: [String] = []
        for key in keys {
            guard case .column(let column) = key.key, column.relation == relation, table.column(named: column.column) != nil,
                  key.descending == keys[0].descending else { return [] }
            append(column.column, to: &columns)
        }
        return Array(columns.prefix(maxWidth))
    }

    /// `LIKE 'abc%'` uses a b-tree only with the pattern operator class (outside the C collation).
    private func textPatternClass(_ table: Table, _ column: String) -> String? {
        let type = table.column(named: column)?.type.lowercased() ?? ""
        if type.hasPrefix("character varying") || type.hasPrefix("varchar") { return "varchar_pattern_ops" }
        if type == "text" { return "text_pattern_ops" }
        if type.hasPrefix("character") || type.hasPrefix("char") || type.hasPrefix("bpchar") { return "bpchar_pattern_ops" }
        return nil
    }

    /// `status = 'pending'` or `deleted_at IS NULL` written as constants: a partial index predicate.
    private func constantCondition(_ predicate: ColumnPredicate) -> IndexExpression? {
        let column = Connection.quoteIdentifier(predicate.column.column)
        let sql: String
        switch (predicate.comparison, predicate.literal) {
        case (.isNull, _): sql = "\(column) IS NULL"
        case (.equality, .string(let value)?): sql = "\(column) = \(Connection.quoteLiteral(value))"
        case (.equality, .integer(let value)?): sql = "\(column) = \(value)"
        case (.equality, .boolean(let value)?): sql = "\(column) = \(value)"
        default: return nil
        }
        return ExpressionIdentity.expression(sql: sql)
    }

    /// An expression index for a wrapped column, kept only when its definition reads back as the
    /// very expression the statement compares (the printed text is for messages, not a deparser).
    private func expressionCandidate(_ expression: IndexExpression, on relation: RelationName) -> IndexCandidate? {
        let candidate = IndexCandidate(table: relation, keys: [.expression(expression)],
                                       reason: "a function-wrapped column: \(expression.text)")
        guard let tree = try? PgQuery.parse(candidate.definition), tree.statements.count == 1,
              let statement = tree.statements.first, statement.kind == .indexStmt,
              let parameter = statement[.indexParams]?.elements.first, let expressionNode = parameter[.expr],
              ExpressionIdentity.structure(of: expressionNode) == expression.structure
        else { return nil }
        return candidate
    }
}
