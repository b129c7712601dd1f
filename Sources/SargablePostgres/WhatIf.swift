import SargablePlan
import SargableSyntax

/// A hypothetical index HypoPG holds for this session.
public struct HypotheticalIndex: Sendable, Hashable {
    public let oid: Int
    /// HypoPG's name for it (`<16412>btree_orders_user_id`): plans name the index so.
    public let name: String
    /// The CREATE INDEX statement it was made from.
    public let definition: String
    /// HypoPG's estimate of the index's size on disk (`hypopg_relation_size`).
    public let estimatedSizeBytes: Int
}

/// What-if costing with HypoPG: how the planner would run a statement if some indexes existed,
/// without building them. HypoPG keeps its indexes in this backend's memory only, so nothing is
/// written to the database; `reset` (and closing the connection) removes them all. HypoPG changes
/// plain EXPLAIN only, never EXPLAIN ANALYZE, so every plan here is planned, not run, through the
/// same safety checks as `sargable explain`.
public final class WhatIfSession {
    public let connection: Connection
    private let collector: ExplainCollector
    /// Plans asked for so far: the cost every advisor pays, reported with its results.
    public private(set) var whatIfCalls = 0
    public private(set) var indexes: [HypotheticalIndex] = []

    /// Fails when the database has no hypopg: installing an extension on the user's database is the
    /// user's decision, never a side effect of asking for advice.
    public init(connection: Connection, limits: StatementLimits = StatementLimits(),
                functions: FunctionPolicy = FunctionPolicy()) throws(PostgresError) {
        self.connection = connection
        collector = ExplainCollector(connection: connection, options: ExplainOptions(
            statementTimeoutMilliseconds: limits.statementTimeoutMilliseconds,
            lockTimeoutMilliseconds: limits.lockTimeoutMilliseconds, functions: functions))
        let installed = try connection.query("SELECT extversion FROM pg_extension WHERE extname = 'hypopg'").rows.first
        guard installed != nil else {
            throw PostgresError(kind: .server, message: "the hypopg extension is not installed in this database: "
                + "CREATE EXTENSION hypopg (Debian: postgresql-15-hypopg) there, or advise on a throwaway copy "
                + "with `sargable database run --load schema.sql -- sargable advise …`")
        }
        try connection.beginReadOnlySession(limits)
        try silenceAutoExplain()
        try reset()
    }

    /// auto_explain, loaded with a `log_min_duration`, logs plain EXPLAIN's plans too and cannot
    /// name a hypothetical index in them: every what-if plan would fail with "cache lookup failed
    /// for index". It is turned off for this session (a superuser setting).
    private func silenceAutoExplain() throws(PostgresError) {
        let row = try connection.query("SELECT current_setting('auto_explain.log_min_duration', true) AS threshold").rows.first
        guard let threshold = row?["threshold"], !threshold.isEmpty, threshold != "-1" else { return }
        do {
            try connection.execute("SET auto_explain.log_min_duration = -1")
        } catch {
            throw PostgresError(kind: .server, message: "auto_explain logs the plans of this server's statements "
                + "(auto_explain.log_min_duration = \(threshold)) and cannot name hypothetical indexes in them; this role "
                + "may not turn it off for its session (\(error.message)): advise as a role that may, or on a copy")
        }
    }

    /// Replaces the session's hypothetical indexes with `definitions` (CREATE INDEX statements).
    @discardableResult
    public func use(_ definitions: [String]) throws(PostgresError) -> [HypotheticalIndex] {
        try reset()
        for definition in definitions { indexes.append(try create(definition)) }
        return indexes
    }

    /// Makes `definitions` the session's hypothetical indexes, creating and dropping only the
    /// difference from what the session holds: an advisor moves between configurations that
    /// differ by one index, and HypoPG's create is the dearer half of a what-if call.
    @discardableResult
    public func configure(_ definitions: [String]) throws(PostgresError) -> [HypotheticalIndex] {
        let wanted = Set(definitions)
        let dropped = indexes.filter { !wanted.contains($0.definition) }.map { String($0.oid) }
        if !dropped.isEmpty {
            try connection.query("SELECT hypopg_drop_index(oid) FROM unnest($1::oid[]) AS oid", ["{" + dropped.joined(separator: ",") + "}"])
        }
        indexes.removeAll { !wanted.contains($0.definition) }
        let held = Set(indexes.map(\.definition))
        let missing = definitions.filter { !held.contains($0) }
        indexes += try create(missing)
        return indexes
    }

    /// The estimated size of the index `definition` would build, without keeping it.
    public func estimatedSize(of definition: String) throws(PostgresError) -> Int {
        let index = try create(definition)
        try connection.query("SELECT hypopg_drop_index($1::oid)", [String(index.oid)])
        return index.estimatedSizeBytes
    }

    /// Removes every hypothetical index of the session.
    public func reset() throws(PostgresError) {
        try connection.query("SELECT hypopg_reset()")
        indexes = []
    }

    /// The plan of `sql` with the session's hypothetical indexes in place.
    public func plan(_ sql: String, root: Node) throws(ExplainError) -> ExplainPlan {
        whatIfCalls += 1
        return try collector.explain(sql, root: root).plan
    }

    /// A planner for one statement on this session: checked once, then planned cheaply as often
    /// as the hypothetical indexes change. `parameters` are values for `$1…` (nil: the generic plan).
    public func planner(for sql: String, root: Node, parameters: [String?]? = nil) -> RepeatedPlanner {
        RepeatedPlanner(collector: collector, sql: sql, root: root, parameters: parameters)
    }

    /// The plan of `planner`'s statement with the session's hypothetical indexes in place.
    public func plan(_ planner: RepeatedPlanner) throws(ExplainError) -> ExplainPlan {
        whatIfCalls += 1
        return try planner.plan()
    }

    /// The session's hypothetical indexes that `plan` uses.
    public func used(by plan: ExplainPlan) -> [HypotheticalIndex] {
        let names = Set(plan.nodes.compactMap(\.indexName))
        return indexes.filter { names.contains($0.name) }
    }

    private func create(_ definition: String) throws(PostgresError) -> HypotheticalIndex {
        let created = try create([definition])
        guard let index = created.first else {
            throw PostgresError(kind: .server, message: "hypopg did not create an index for: \(definition)")
        }
        return index
    }

    // Definitions travel as parameters, never spliced into SQL text, and each must be exactly one
    // CREATE INDEX: hypopg_create_index reads every statement of its text and skips the others.
    // All of them go in one round trip, each numbered so the rows map back to their definition.
    private func create(_ definitions: [String]) throws(PostgresError) -> [HypotheticalIndex] {
        guard !definitions.isEmpty else { return [] }
        for definition in definitions {
            let statements = (try? PgQuery.parse(definition))?.statements ?? []
            guard statements.count == 1, statements[0].kind == .indexStmt else {
                throw PostgresError(kind: .server, message: "not a single CREATE INDEX statement: \(definition)")
            }
        }
        let query = definitions.indices.map { position in
            "SELECT \(position) AS position, indexrelid, indexname, hypopg_relation_size(indexrelid) AS size "
                + "FROM hypopg_create_index($\(position + 1))"
        }.joined(separator: " UNION ALL ")
        var created: [HypotheticalIndex?] = Array(repeating: nil, count: definitions.count)
        for row in try connection.query(query, definitions).rows {
            guard let position = row.int("position"), definitions.indices.contains(position),
                  let oid = row.int("indexrelid"), let name = row["indexname"] else { continue }
            created[position] = HypotheticalIndex(oid: oid, name: name, definition: definitions[position],
                                                  estimatedSizeBytes: row.int("size") ?? 0)
        }
        guard let missing = created.firstIndex(where: { $0 == nil }) else { return created.compactMap { $0 } }
        throw PostgresError(kind: .server, message: "hypopg did not create an index for: \(definitions[missing])")
    }
}
