import SargableCore
import SargablePlan
import SargablePostgres
import SargableSchema

/// A statement's plan under one set of hypothetical indexes, reduced to what selection needs.
struct PlannedCost: Sendable {
    var cost: Double
    /// Definitions of the hypothetical indexes the plan uses.
    var used: Set<String>
    /// For each used index, the plan node that reads through it (`Index Scan`, `Bitmap Index Scan`).
    var nodeUsing: [String: String]
    /// Scan nodes by relation name (`Seq Scan`), to say what an index replaces.
    var scans: [String: String]
    /// Every index the plan reads, existing or hypothetical, by the name plans print.
    var indexNames: Set<String>
    /// Rows the top plan node expects: the rows an INSERT, UPDATE or DELETE writes.
    var rows: Double
}

/// What-if costing on several connections at once, each with its own HypoPG session, with every
/// result cached by (statement, the hypothetical indexes that can matter to it): the literature's
/// finding is that what-if calls are the advisor's cost, and most configurations repeat.
final class WhatIfEvaluator: @unchecked Sendable {
    struct Key: Hashable {
        var statement: Int
        var indexes: [String]
    }

    private let statements: [WorkloadStatement]
    private let needs: [StatementNeeds]
    private let sessions: [WhatIfSession]
    private var free: [Int]
    /// Per session, per statement: checked once on that connection, then planned cheaply.
    private let planners: [Planners]

    private final class Planners {
        var byStatement: [Int: RepeatedPlanner] = [:]
    }
    private let lock = Lock()
    private var cache: [Key: Result<PlannedCost, ExplainError>] = [:]
    private var sizes: [String: Result<Int, PostgresError>] = [:]
    private(set) var cacheHits = 0
    /// Plans that failed with hypothetical indexes in place (costed as without them), and the first error.
    private(set) var failedWhatIfPlans = 0
    private(set) var firstWhatIfFailure: ExplainError?

    init(statements: [WorkloadStatement], needs: [StatementNeeds], sessions: [WhatIfSession]) {
        self.statements = statements
        self.needs = needs
        self.sessions = sessions
        free = Array(sessions.indices)
        planners = sessions.map { _ in Planners() }
    }

    var whatIfCalls: Int { sessions.reduce(0) { $0 + $1.whatIfCalls } }

    /// The indexes of `configuration` that can change `statement`'s plan, in a canonical order.
    func relevant(_ configuration: [IndexCandidate], to statement: Int) -> [IndexCandidate] {
        configuration.filter { needs[statement].canUse($0) }.sorted()
    }

    /// Costs of each (statement, configuration) pair, planned in parallel where not cached.
    func costs(_ jobs: [(statement: Int, configuration: [IndexCandidate])]) -> [Result<PlannedCost, ExplainError>] {
        let keys = jobs.map { Key(statement: $0.statement, indexes: relevant($0.configuration, to: $0.statement).map(\.definition)) }
        var missing: [Key] = []
        lock.withLock {
            var seen = Set<Key>()
            for key in keys where cache[key] == nil && seen.insert(key).inserted { missing.append(key) }
            cacheHits += keys.count - missing.count
        }
        if missing.isEmpty { return lock.withLock { keys.map { cache[$0]! } } }
        let planned = WorkerThreads.parallelMap(missing, threads: sessions.count, stackBytes: 8 << 20) { key in
            self.withSession { session, slot in self.plan(key, in: session, slot: slot) }
        }
        return lock.withLock {
            for (key, result) in zip(missing, planned) {
                cache[key] = result
                if !key.indexes.isEmpty, case .failure(let error) = result {
                    failedWhatIfPlans += 1
                    if firstWhatIfFailure == nil { firstWhatIfFailure = error }
                }
            }
            return keys.map { cache[$0]! }
        }
    }

    /// HypoPG's size estimates, in parallel, cached by definition.
    func sizes(of candidates: [IndexCandidate]) -> [String: Result<Int, PostgresError>] {
        let missing = lock.withLock { Array(Set(candidates.map(\.definition)).filter { sizes[$0] == nil }).sorted() }
        if missing.isEmpty { return lock.withLock { sizes } }
        let estimated = WorkerThreads.parallelMap(missing, threads: sessions.count, stackBytes: 8 << 20) { definition in
            self.withSession { session, _ -> Result<Int, PostgresError> in
                do throws(PostgresError) {
                    try session.configure([])
                    return .success(try session.estimatedSize(of: definition))
                } catch {
                    return .failure(error)
                }
            }
        }
        return lock.withLock {
            for (definition, size) in zip(missing, estimated) { sizes[definition] = size }
            return sizes
        }
    }

    /// Removes every hypothetical index of every session (they live in the backends' memory only,
    /// but a session that stays open should not keep them).
    func reset() {
        for session in sessions { try? session.reset() }
    }

    /// `slot` is the session's index: only the thread holding it touches its planners.
    private func plan(_ key: Key, in session: WhatIfSession, slot: Int) -> Result<PlannedCost, ExplainError> {
        let statement = statements[key.statement]
        do throws(ExplainError) {
            do throws(PostgresError) {
                try session.configure(key.indexes)
            } catch {
                throw ExplainError(error.description, underlying: error)
            }
            let planner = planners[slot].byStatement[key.statement]
                ?? session.planner(for: statement.text, root: statement.root, parameters: statement.parameters)
            planners[slot].byStatement[key.statement] = planner
            let plan = try session.plan(planner)
            let used = session.used(by: plan)
            var nodeUsing: [String: String] = [:]
            for index in used {
                if let node = plan.nodes.first(where: { $0.indexName == index.name }) { nodeUsing[index.definition] = node.nodeType.name }
            }
            var scans: [String: String] = [:]
            for node in plan.nodes {
                if let relation = node.relationName, scans[relation] == nil { scans[relation] = node.nodeType.name }
            }
            let top = plan.root.nodeType == .modifyTable ? plan.root.children.first ?? plan.root : plan.root
            return .success(PlannedCost(cost: plan.root.totalCost, used: Set(used.map(\.definition)), nodeUsing: nodeUsing,
                                        scans: scans, indexNames: Set(plan.nodes.compactMap(\.indexName)), rows: top.planRows))
        } catch {
            return .failure(error)
        }
    }

    private func withSession<T>(_ body: (WhatIfSession, Int) -> T) -> T {
        let index = lock.withLock { () -> Int in
            lock.wait(until: { !free.isEmpty })
            return free.removeLast()
        }
        defer {
            lock.withLock {
                free.append(index)
                lock.broadcast()
            }
        }
        return body(sessions[index], index)
    }
}
