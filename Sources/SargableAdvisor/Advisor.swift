import SargableAnalysis
import SargableCore
import SargablePlan
import SargablePostgres
import SargableSchema
import SargableSyntax

public struct AdvisorOptions: Sendable {
    /// Total estimated size of the recommendations (HypoPG's estimate); nil: no limit.
    public var budgetBytes: Int?
    public var maxIndexes: Int?
    /// Keys per index at most.
    public var maxWidth = 3
    /// Connections planning at once (each a HypoPG session of its own).
    public var workers = 2
    /// Planner cost units charged per index entry an INSERT or non-HOT UPDATE writes: roughly one
    /// page write, amortised (PostgreSQL's planner charges nothing for index maintenance).
    public var indexEntryCost = 1.0
    /// An index must save at least this share of the workload's cost to be recommended: the list
    /// stays short, each index on it is worth a migration, and a small partial index is not
    /// displaced by a big one that saves a sliver more. 0 fills the budget, as the literature does.
    public var minimumBenefitShare = 0.02
    public var limits = StatementLimits()
    public var functions = FunctionPolicy()

    public init() {}
}

public enum AdvisorError: Error, CustomStringConvertible {
    case database(String)
    case nothingToAdvise(String)

    public var description: String {
        switch self {
        case .database(let message), .nothingToAdvise(let message): message
        }
    }
}

/// The index advisor: candidates from what the workload's statements mean, costed with HypoPG
/// what-if plans, chosen greedily by benefit per byte under the budget (adding an index or growing
/// a chosen one by a column, as Extend does), net of the write cost each index adds, then pruned
/// (an index whose contribution vanished once others were chosen is dropped).
public final class Advisor {
    public typealias Progress = (String) -> Void

    let options: AdvisorOptions
    /// The workload as planned: each family with the logged values it is planned with.
    public let workload: Workload
    private let schema: SchemaModel
    private let statistics: PlannerStatistics
    private let evaluator: WhatIfEvaluator
    private let needs: [StatementNeeds]
    private let generation: CandidateGeneration
    private let analyses: [StatementAnalysis]
    private let connection: Connection
    private var problems: [String]

    /// `connect` opens a connection to the database to advise for; it is called once per worker.
    public init(workload given: Workload, options: AdvisorOptions = AdvisorOptions(),
                connect: () throws(PostgresError) -> Connection) throws(AdvisorError) {
        self.options = options
        problems = given.problems
        var sessions: [WhatIfSession] = []
        do throws(PostgresError) {
            connection = try connect()
            schema = ExpressionIdentity.normalised(try Catalog.read(connection, limits: options.limits))
            statistics = try PlannerStatistics.read(connection, limits: options.limits)
            sessions.append(try WhatIfSession(connection: connection, limits: options.limits, functions: options.functions))
        } catch {
            throw .database(error.description)
        }
        for _ in 1 ..< max(1, options.workers) {
            // A second connection only speeds things up: without it the advice is the same.
            guard let extra = try? connect(),
                  let session = try? WhatIfSession(connection: extra, limits: options.limits, functions: options.functions)
            else { break }
            sessions.append(session)
        }
        var workload = given
        sampledStatements = Self.keepCostliestSamples(of: &workload, in: sessions[0])
        self.workload = workload
        let schema = self.schema
        analyses = workload.statements.map { StatementAnalysis($0.root, schema: schema) }
        generation = CandidateGeneration(schema: schema, statistics: statistics, maxWidth: options.maxWidth)
        needs = analyses.map(generation.needs)
        evaluator = WhatIfEvaluator(statements: workload.statements, needs: needs, sessions: sessions)
    }

    deinit { evaluator.reset() }

    /// Statements whose logged values were sampled more than once.
    private let sampledStatements: Int

    /// A family logged with several sets of values is planned, without new indexes, with each;
    /// the costliest is kept, so an index is chosen for the values that hurt (a skewed key's
    /// common value may be best served by a scan, a rare one by the index). Returns how many
    /// statements had a choice.
    private static func keepCostliestSamples(of workload: inout Workload, in session: WhatIfSession) -> Int {
        let choices = workload.statements.indices.filter { workload.statements[$0].parameterSamples.count > 1 }
        guard !choices.isEmpty, (try? session.configure([])) != nil else { return 0 }
        var sampled = 0
        for position in choices {
            let statement = workload.statements[position]
            var costliest: (cost: Double, values: [String?])?
            for values in statement.parameterSamples {
                let planner = session.planner(for: statement.text, root: statement.root, parameters: values)
                guard let cost = try? session.plan(planner).root.totalCost else { continue }
                if cost > costliest?.cost ?? -1 { costliest = (cost, values) }
            }
            if let costliest {
                workload.statements[position].parameters = costliest.values
                sampled += 1
            }
        }
        return sampled
    }

    public func advise(progress: Progress? = nil) -> Advice {
        let clock = ContinuousClock()
        let started = clock.now
        defer { evaluator.reset() }

        progress?("planning \(workload.statements.count) statements without new indexes")
        let baseline = evaluator.costs(workload.statements.indices.map { ($0, []) })
        var costed: [Int] = []
        for (index, result) in baseline.enumerated() {
            switch result {
            case .success: costed.append(index)
            case .failure(let error):
                problems.append("\(workload.statements[index].origin): not costed: \(error.description)")
            }
        }
        let baselineCosts = baseline.map { (try? $0.get())?.cost ?? 0 }
        let timed = workload.isTimed
        let weights = workload.statements.indices.map { index -> Double in
            let statement = workload.statements[index]
            if timed, let total = statement.totalMs { return baselineCosts[index] > 0 ? total / baselineCosts[index] : 0 }
            return Double(statement.calls)
        }

        // Candidates, less those an existing index already serves.
        var pool: [IndexCandidate] = []
        var candidateNotes: [String] = []
        var seen = Set<IndexCandidate>()
        let proposed = costed.flatMap { generation.candidates(of: analyses[$0]) }
        for candidate in proposed + generation.mergedCovering(proposed) where seen.insert(candidate).inserted {
            let existing = schema.table(candidate.table)?.indexes ?? []
            if !existing.contains(where: candidate.isServed) { pool.append(candidate) }
        }
        progress?("estimating the size of \(pool.count) candidate indexes")
        let sizes = evaluator.sizes(of: pool)
        pool = pool.filter { candidate in
            // The server may refuse a candidate (an expression index needs IMMUTABLE functions, and
            // `date_trunc` on timestamptz is only STABLE): that is the candidate's fault, not the input's.
            if case .failure(let error) = sizes[candidate.definition] {
                candidateNotes.append("candidate \(candidate.definition) left out: \(error.description)")
                return false
            }
            return true
        }

        var search = Search(advisor: self, costed: costed, weights: weights, baseline: baseline.map { try? $0.get() },
                            sizes: { [evaluator] in
            evaluator.sizes(of: $0).compactMapValues { try? $0.get() }
        }, progress: progress)
        search.threshold = options.minimumBenefitShare * search.total([])
        search.run(pool: pool)

        var advice = Advice(unit: timed ? "ms" : "cost", baselineCost: search.total([]), recommendedCost: search.total(search.chosen),
                            whatIfCalls: 0, cacheHits: 0, candidates: pool.count, statements: costed.count,
                            budgetBytes: options.budgetBytes)
        advice.recommendations = evidence(for: search, weights: weights, baselineCosts: baselineCosts)
        advice.rejectedForWrites = search.rejectedForWrites.sorted { $0.definition < $1.definition }
        advice.drops = drops(final: search)
        advice.uncosted = uncosted()
        if let failure = evaluator.firstWhatIfFailure {
            problems.append("\(evaluator.failedWhatIfPlans) what-if plan(s) failed with hypothetical indexes in place and "
                + "were costed as without them; the first: \(failure.description)")
        }
        advice.problems = problems
        advice.notes += candidateNotes
        if let seconds = statistics.secondsCounted, seconds < Self.unusedAfterSeconds {
            advice.notes.append("unused indexes are not judged: the statistics have counted for \(Self.describe(seconds: Double(seconds))) only (a week is needed)")
        }
        if sampledStatements > 0 {
            advice.notes.append("\(sampledStatements) statement(s) were logged with several sets of values: each was planned with the set that costs most")
        }
        if workload.skippedStatements > 0 {
            advice.notes.append("\(workload.skippedStatements) statement(s) that are not SELECT, INSERT, UPDATE, DELETE or MERGE were left out")
        }
        if workload.omittedFamilies > 0 {
            advice.notes.append("\(workload.omittedFamilies) statement families with the smallest share of time were left out (--top-share)")
        }
        advice.whatIfCalls = evaluator.whatIfCalls
        advice.cacheHits = evaluator.cacheHits
        let elapsed = clock.now - started
        advice.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return advice
    }

    // MARK: - Search

    /// The greedy search with its state: the chosen indexes and what each step cost.
    struct Search {
        let advisor: Advisor
        let costed: [Int]
        let weights: [Double]
        /// Each statement's plan without new indexes (nil: it could not be planned).
        let baseline: [PlannedCost?]
        let sizes: ([IndexCandidate]) -> [String: Int]
        let progress: Progress?
        var chosen: [IndexCandidate] = []
        /// The least benefit (and leave-one-out contribution) an index must have.
        var threshold = 0.0
        var benefitAtChoice: [IndexCandidate: Double] = [:]
        var lastRatio: [IndexCandidate: Double] = [:]
        var rejectedForWrites: [RejectedCandidate] = []
        private var rejectedSeen = Set<String>()

        init(advisor: Advisor, costed: [Int], weights: [Double], baseline: [PlannedCost?],
             sizes: @escaping ([IndexCandidate]) -> [String: Int], progress: Progress?) {
            self.advisor = advisor
            self.costed = costed
            self.weights = weights
            self.baseline = baseline
            self.sizes = sizes
            self.progress = progress
            writtenByWorkload = Set(costed.flatMap { advisor.needs[$0].written })
            costUnit = Self.costUnit(of: advisor, costed: costed, baseline: baseline)
        }

        /// Tables a statement of the workload writes: their writes are charged from the statements.
        private let writtenByWorkload: Set<RelationName>
        private let costUnit: Double

        struct Move {
            var candidate: IndexCandidate
            /// The chosen index this one grows (Extend's "append a column"), nil for a new index.
            var replaces: IndexCandidate?
            var ratio = Double.infinity
            var benefit = 0.0
            var sizeDelta = 0
            var evaluatedAt = -1
        }

        /// The workload's objective under `configuration`: weighted read cost plus write overhead.
        func total(_ configuration: [IndexCandidate]) -> Double {
            readCost(configuration, statements: costed) + writeCost(configuration)
        }

        func readCost(_ configuration: [IndexCandidate], statements: [Int]) -> Double {
            let results = advisor.evaluator.costs(statements.map { ($0, configuration) })
            var sum = 0.0
            for (statement, result) in zip(statements, results) {
                // A configuration that fails to plan (it should not) counts as no change.
                let cost = (try? result.get())?.cost ?? baseline[statement]?.cost ?? 0
                sum += weights[statement] * cost
            }
            return sum
        }

        /// Index maintenance of the workload's own writes: an INSERT writes an entry in every
        /// index; an UPDATE writes one in every index unless it is HOT, and an index on a column
        /// it sets makes it non-HOT, so that index costs the entries of all the table's indexes.
        /// One index's entries cost, per write statement: with measured time, its share of that
        /// time, the heap and each index taking about the same (the planner's cost of a write
        /// leaves the writing out, so it cannot convert); without, `indexEntryCost` per row.
        func writeCost(_ configuration: [IndexCandidate]) -> Double {
            var total = 0.0
            for statement in costed {
                let need = advisor.needs[statement]
                for table in need.written {
                    let added = configuration.filter { $0.table == table }
                    guard !added.isEmpty, let planned = baseline[statement] else { continue }
                    let existing = advisor.schema.table(table)?.indexes ?? []
                    let measured = advisor.workload.isTimed ? advisor.workload.statements[statement].totalMs : nil
                    let oneIndex = measured.map { $0 / Double(existing.count + 1) }
                        ?? max(planned.rows, 1) * weights[statement] * advisor.options.indexEntryCost
                    let kind = advisor.analyses[statement].blocks.last { $0.target == table }?.kind
                    switch kind {
                    case .insert?:
                        total += oneIndex * Double(added.count)
                    case .update?:
                        let updated = need.updatedColumns[table] ?? []
                        let alreadyNonHOT = existing.contains { !Set($0.keys.compactMap(\.columnName)).isDisjoint(with: updated) }
                        let breaksHOT = added.contains { !$0.columns.isDisjoint(with: updated) }
                        if alreadyNonHOT {
                            total += oneIndex * Double(added.count)
                        } else if breaksHOT {
                            // Every index, old and new, now gets an entry, and the heap a new tuple version.
                            total += oneIndex * Double(added.count + existing.count + 1)
                        }
                    default:
                        break
                    }
                }
            }
            return total + unseenWriteCost(configuration)
        }

        /// Writes the workload did not capture (a log of slow statements only leaves the fast
        /// INSERTs out) still maintain every index: the table's `pg_stat_user_tables` counters,
        /// scaled from the time they have counted to the workload's window, charge each new index
        /// on a table none of the workload's statements writes. An entry costs `indexEntryCost`
        /// planner units, in milliseconds at the workload's own measured time per cost unit.
        func unseenWriteCost(_ configuration: [IndexCandidate]) -> Double {
            guard let window = advisor.workload.windowSeconds, let counted = advisor.statistics.secondsCounted else { return 0 }
            // Counters younger than a second have counted no longer than the window.
            let share = counted > 0 ? min(window / Double(counted), 1) : 1
            var total = 0.0
            for table in Set(configuration.map(\.table)) where !writtenByWorkload.contains(table) {
                guard let writes = advisor.schema.table(table)?.writes, writes.indexWrites > 0 else { continue }
                let entries = Double(writes.indexWrites) * share
                let added = configuration.filter { $0.table == table }.count
                total += entries * Double(added) * advisor.options.indexEntryCost * costUnit
            }
            return total
        }

        /// The objective's unit per planner cost unit: 1, or the workload's measured ms per unit.
        private static func costUnit(of advisor: Advisor, costed: [Int], baseline: [PlannedCost?]) -> Double {
            guard advisor.workload.isTimed else { return 1 }
            var milliseconds = 0.0, cost = 0.0
            for statement in costed {
                guard let planned = baseline[statement], let total = advisor.workload.statements[statement].totalMs else { continue }
                milliseconds += total
                cost += planned.cost * Double(advisor.workload.statements[statement].calls)
            }
            return cost > 0 ? milliseconds / cost : 0
        }

        private func affected(by move: Move) -> [Int] {
            costed.filter { advisor.needs[$0].canUse(move.candidate) || move.replaces.map(advisor.needs[$0].canUse) == true }
        }

        private func applying(_ move: Move, to configuration: [IndexCandidate]) -> [IndexCandidate] {
            var result = configuration.filter { $0 != move.replaces }
            result.append(move.candidate)
            return result
        }

        /// Benefit of `move` under the current choice: read cost saved less write cost added.
        private mutating func evaluate(_ moves: inout [Move], indices: [Int], version: Int) {
            // One batch for every statement of every move, planned in parallel.
            var jobs: [(statement: Int, configuration: [IndexCandidate])] = []
            var affectedBy: [[Int]] = []
            for index in indices {
                let statements = affected(by: moves[index])
                affectedBy.append(statements)
                let after = applying(moves[index], to: chosen)
                for statement in statements { jobs.append((statement, chosen)); jobs.append((statement, after)) }
            }
            _ = advisor.evaluator.costs(jobs)
            let writesNow = writeCost(chosen)
            for (position, index) in indices.enumerated() {
                let after = applying(moves[index], to: chosen)
                let read = readCost(chosen, statements: affectedBy[position]) - readCost(after, statements: affectedBy[position])
                let write = writeCost(after) - writesNow
                moves[index].benefit = read - write
                // Benefit per √byte: benefit per byte (Extend) spends a budget on many small wins,
                // absolute benefit (AutoAdmin's order) on a few big indexes; on TPC-H at 0.5, 1 and
                // 2 GB the square root beat both (scripts/bench-advise-tpch.sh).
                moves[index].ratio = moves[index].benefit / Double(max(moves[index].sizeDelta, 8192)).squareRoot()
                moves[index].evaluatedAt = version
                if read >= max(threshold, Double.ulpOfOne), read <= write, rejectedSeen.insert(moves[index].candidate.definition).inserted {
                    rejectedForWrites.append(RejectedCandidate(definition: moves[index].candidate.definition,
                                                               readBenefit: read, writeOverhead: write))
                }
                lastRatio[moves[index].candidate] = moves[index].ratio
            }
        }

        private var pool: [IndexCandidate] = []

        mutating func run(pool: [IndexCandidate]) {
            self.pool = pool
            let size = sizes(pool)
            var moves = pool.compactMap { candidate in size[candidate.definition].map { Move(candidate: candidate, sizeDelta: $0) } }
            var version = 0
            var used = 0
            let batch = 2
            var pruned = false
            var swaps = 0
            while true {
                moves.removeAll { $0.evaluatedAt == version && ($0.benefit <= 0 || ($0.replaces == nil && $0.benefit < threshold)) }
                moves.sort { $0.ratio != $1.ratio ? $0.ratio > $1.ratio : $0.candidate < $1.candidate }
                guard let top = moves.first else {
                    var freed = false
                    if !pruned, prune(&used) {
                        pruned = true
                        freed = true
                    } else if swaps < Self.maximumSwaps, swapForBudget(&used) {
                        swaps += 1
                        freed = true
                    }
                    guard freed else { break }
                    version += 1
                    // The budget pruning or a swap freed may now hold a candidate that did not fit before.
                    let room = options.budgetBytes.map { $0 - used } ?? Int.max
                    moves = pool.filter { !chosen.contains($0) }.compactMap { candidate in
                        size[candidate.definition].flatMap { $0 <= room ? Move(candidate: candidate, sizeDelta: $0) : nil }
                    }.filter { !overlapsChoice($0) }
                    continue
                }
                if top.evaluatedAt == version {
                    moves.removeFirst()
                    guard top.benefit > 0, top.benefit >= threshold || top.replaces != nil else { continue }
                    let fits = options.budgetBytes.map { used + top.sizeDelta <= $0 } ?? true
                    let countFits = top.replaces != nil || options.maxIndexes.map { chosen.count < $0 } ?? true
                    guard fits, countFits else {
                        if !fits, countFits { outOfBudget.append(top) }
                        continue
                    }
                    accept(top, version: &version, used: &used, moves: &moves)
                    continue
                }
                let stale = moves.indices.filter { moves[$0].evaluatedAt != version }.prefix(batch)
                evaluate(&moves, indices: Array(stale), version: version)
            }
        }

        private var options: AdvisorOptions { advisor.options }

        private mutating func accept(_ move: Move, version: inout Int, used: inout Int, moves: inout [Move]) {
            chosen = applying(move, to: chosen)
            used += move.sizeDelta
            // A move none of whose statements (nor table, for writes) the choice touches keeps its
            // benefit exactly: the indexes that can matter to its statements did not change.
            let touched = Set(affected(by: move))
            for position in moves.indices where moves[position].evaluatedAt == version
                && moves[position].candidate.table != move.candidate.table
                && touched.isDisjoint(with: affected(by: moves[position])) {
                moves[position].evaluatedAt = version + 1
            }
            benefitAtChoice[move.candidate] = move.benefit
            if let replaced = move.replaces {
                benefitAtChoice[move.candidate, default: 0] += benefitAtChoice[replaced] ?? 0
                benefitAtChoice[replaced] = nil
                moves.removeAll { $0.replaces == replaced }
            }
            version += 1
            progress?("chose \(move.candidate.definition) (\(chosen.count) indexes, \(used / 1_048_576) MB)")
            moves.removeAll { $0.candidate == move.candidate || chosen.contains($0.candidate) || overlapsChoice($0) }
            var extensions: [IndexCandidate] = []
            var seen = Set<IndexCandidate>()
            // Candidates that hold everything the chosen one does and more (a merged covering index,
            // a longer key) may replace it: a budget too small for both may hold the bigger one.
            for candidate in pool where candidate != move.candidate && !chosen.contains(candidate)
                && candidate.contains(move.candidate) && seen.insert(candidate).inserted {
                extensions.append(candidate)
            }
            // Extend's growth: the chosen index with one more column a statement it can serve uses.
            if move.candidate.method == "btree", move.candidate.keys.count < options.maxWidth {
            // Only statements whose plan now reads through the index: the others cannot gain from its growth.
            let users = costed.filter { advisor.needs[$0].canUse(move.candidate) }
            let plans = advisor.evaluator.costs(users.map { ($0, chosen) })
            for (statement, plan) in zip(users, plans) where (try? plan.get())?.used.contains(move.candidate.definition) == true {
                let columns = (advisor.needs[statement].usableColumns[move.candidate.table] ?? []).sorted()
                for column in columns where !move.candidate.keys.contains(.column(column)) {
                    let grown = move.candidate.appending(.column(column), reason: "\(column) appended")
                    if !chosen.contains(grown), seen.insert(grown).inserted { extensions.append(grown) }
                }
            }
            }
            let grownSizes = sizes(extensions)
            let ownSize = sizes([move.candidate])[move.candidate.definition] ?? 0
            for grown in extensions {
                guard let size = grownSizes[grown.definition] else { continue }
                moves.append(Move(candidate: grown, replaces: move.candidate, sizeDelta: max(size - ownSize, 0)))
            }
        }

        /// A new index (not a growth move) that holds, or is held by, a chosen one: the two would be
        /// the prefix duplicate the advisor tells users to drop; growing the chosen one is its own move.
        private func overlapsChoice(_ move: Move) -> Bool {
            move.replaces == nil && chosen.contains { $0.contains(move.candidate) || move.candidate.contains($0) }
        }

        /// Moves that paid but did not fit the budget when their turn came.
        private var outOfBudget: [Move] = []
        /// Swaps tried after the greedy pass; each costs a leave-one-out round and a few plans.
        static let maximumSwaps = 4
        /// Moves out of budget tried per swap round, by the benefit they had.
        static let swapCandidates = 6

        /// The knapsack step greedy misses: a move that did not fit, made to fit by dropping the
        /// chosen indexes that contribute least per byte, taken when the workload's total drops
        /// (a small index chosen first may block a bigger win that fits only alone). Returns
        /// whether the choice changed.
        private mutating func swapForBudget(_ used: inout Int) -> Bool {
            guard let budget = options.budgetBytes, !outOfBudget.isEmpty else { return false }
            let current = total(chosen)
            let allSizes = sizes(chosen)
            let contribution = Dictionary(uniqueKeysWithValues: chosen.map { index in
                (index, total(chosen.filter { $0 != index }) - current)
            })
            var tried = Set<IndexCandidate>()
            let candidates = outOfBudget.sorted { $0.benefit != $1.benefit ? $0.benefit > $1.benefit : $0.candidate < $1.candidate }
                .filter { !chosen.contains($0.candidate) && tried.insert($0.candidate).inserted }
                .filter { $0.replaces.map(chosen.contains) ?? !overlapsChoice($0) }
                .prefix(Self.swapCandidates)
            outOfBudget.removeAll()
            var best: (configuration: [IndexCandidate], total: Double, used: Int)?
            for move in candidates {
                var configuration = applying(move, to: chosen)
                var size = used + move.sizeDelta
                var lost = 0.0
                // Cheapest first: the least contribution per byte goes out until the move fits.
                let removable = chosen.filter { $0 != move.replaces }.sorted {
                    let left = (contribution[$0] ?? 0) / Double(max(allSizes[$0.definition] ?? 1, 1))
                    let right = (contribution[$1] ?? 0) / Double(max(allSizes[$1.definition] ?? 1, 1))
                    return left != right ? left < right : $0 < $1
                }
                for index in removable where size > budget {
                    configuration.removeAll { $0 == index }
                    size -= allSizes[index.definition] ?? 0
                    lost += contribution[index] ?? 0
                }
                // Contributions overlap, so this is an estimate; the exact total decides below.
                guard size <= budget, lost < move.benefit else { continue }
                let after = total(configuration)
                if after < (best?.total ?? current) - max(threshold, Double.ulpOfOne) {
                    best = (configuration, after, size)
                }
            }
            guard let best else { return false }
            let removed = chosen.filter { !best.configuration.contains($0) }
            for index in best.configuration where !chosen.contains(index) {
                // A grown index carries the benefit of the one it grew from.
                let grownFrom = removed.filter(index.contains).reduce(0) { $0 + (benefitAtChoice[$1] ?? 0) }
                benefitAtChoice[index] = current - best.total + grownFrom
                progress?("swapped in \(index.definition)")
            }
            for index in removed {
                benefitAtChoice[index] = nil
                progress?("swapped out \(index.definition)")
            }
            chosen = best.configuration
            used = best.used
            return true
        }

        /// Leave-one-out: an index the others made useless is dropped, freeing its budget.
        private mutating func prune(_ used: inout Int) -> Bool {
            var removed = false
            let allSizes = sizes(chosen)
            for index in chosen {
                let without = chosen.filter { $0 != index }
                if total(without) - total(chosen) < max(threshold, Double.ulpOfOne) {
                    chosen = without
                    used -= allSizes[index.definition] ?? 0
                    progress?("dropped \(index.definition): the other indexes serve its statements")
                    removed = true
                }
            }
            return removed
        }
    }

    // MARK: - Evidence

    private func evidence(for search: Search, weights: [Double], baselineCosts: [Double]) -> [Recommendation] {
        let chosen = search.chosen
        let final = evaluator.costs(search.costed.map { ($0, chosen) })
        let totalBaseline = search.costed.reduce(0) { $0 + weights[$1] * baselineCosts[$1] }
        let finalTotal = search.total(chosen)
        let sizes = evaluator.sizes(of: chosen)
        var recommendations: [Recommendation] = []
        let loggedPlans = workload.statements.map { $0.loggedPlan.flatMap { try? ExplainPlan.decode(logged: $0) } }
        for index in chosen {
            var served: [ServedStatement] = []
            var servedBaseline = 0.0
            for (statement, result) in zip(search.costed, final) {
                guard let planned = try? result.get(), planned.used.contains(index.definition) else { continue }
                let before = search.baseline[statement]
                let relationScan = before?.scans[index.table.name].map { "\($0) on \(index.table.name)" }
                let replaces = relationScan.map { "\($0) → \(planned.nodeUsing[index.definition] ?? "index scan")" }
                let workloadStatement = workload.statements[statement]
                served.append(ServedStatement(fingerprint: workloadStatement.fingerprint, origin: workloadStatement.origin,
                                              calls: workloadStatement.calls, costBefore: baselineCosts[statement],
                                              costAfter: planned.cost, replaces: replaces,
                                              logged: loggedPlans[statement].flatMap { Self.loggedScan(of: index.table.name, in: $0) }))
                servedBaseline += weights[statement] * baselineCosts[statement]
            }
            let without = search.total(chosen.filter { $0 != index })
            let size = (try? sizes[index.definition]?.get()) ?? 0
            let alternatives = search.lastRatio.filter { $0.key.table == index.table && !chosen.contains($0.key) && $0.value > 0 }
                .sorted { $0.value > $1.value }.prefix(3).map(\.key.definition)
            let writeWithout = search.writeCost(chosen.filter { $0 != index })
            recommendations.append(Recommendation(
                rank: 0, schema: index.table.schema, table: index.table.description,
                definition: "", hypotheticalDefinition: index.definition, name: "", reason: index.reason,
                estimatedSizeBytes: size, deduplicatedSizeBytes: deduplicatedSize(index, estimated: size),
                benefit: search.benefitAtChoice[index] ?? 0, writeOverhead: search.writeCost(chosen) - writeWithout,
                tableWrites: schema.table(index.table)?.writes?.description,
                contribution: without - finalTotal,
                workloadShareServed: totalBaseline > 0 ? servedBaseline / totalBaseline : 0,
                statements: served.sorted { $0.costBefore - $0.costAfter > $1.costBefore - $1.costAfter },
                alternatives: Array(alternatives), verification: nil))
        }
        recommendations.sort {
            $0.contribution != $1.contribution ? $0.contribution > $1.contribution : $0.hypotheticalDefinition < $1.hypotheticalDefinition
        }
        let byDefinition = Dictionary(uniqueKeysWithValues: chosen.map { ($0.definition, $0) })
        var taken = Set(schema.tables.values.flatMap { table in table.indexes.map { "\(table.name.schema).\($0.name)" } })
        for position in recommendations.indices {
            let index = byDefinition[recommendations[position].hypotheticalDefinition]!
            let name = Self.uniqueName(index.suggestedName, schema: index.table.schema, taken: &taken)
            recommendations[position].rank = position + 1
            recommendations[position].name = name
            recommendations[position].definition = index.definition(
                prefix: "CREATE INDEX CONCURRENTLY IF NOT EXISTS \(Connection.quoteIdentifier(name)) ON")
        }
        return recommendations
    }

    /// The logged plan's first scan of `table`: the measured work the index takes away.
    static func loggedScan(of table: String, in plan: ExplainPlan) -> LoggedScan? {
        guard let scan = plan.nodes.first(where: { $0.relationName == table }) else { return nil }
        return LoggedScan(node: scan.nodeType.name + " on " + table, rows: scan.totalActualRows,
                          rowsRemovedByFilter: scan.rowsRemovedByFilter.map { $0 * (scan.actualLoops ?? 1) },
                          milliseconds: scan.inclusiveTime)
    }

    /// Index names are unique per schema, and `IF NOT EXISTS` would silently skip a second index of
    /// the same name: like PostgreSQL's own naming, a taken name gets a number (`…_idx1`).
    static func uniqueName(_ suggested: String, schema: String, taken: inout Set<String>) -> String {
        var name = suggested
        var number = 0
        while !taken.insert("\(schema).\(name)").inserted {
            number += 1
            let suffix = String(number)
            var stem = suggested
            while stem.utf8.count + suffix.utf8.count > 63 { stem.removeLast() }
            name = stem + suffix
        }
        return name
    }

    /// B-tree deduplication (PostgreSQL 13+) stores a repeated key once per leaf page: an index on
    /// a column with few distinct values is far smaller than HypoPG's estimate, which ignores it.
    private func deduplicatedSize(_ index: IndexCandidate, estimated: Int) -> Int {
        guard index.method == "btree", index.include.isEmpty, (schema.serverVersion ?? 15) >= 13,
              let rows = schema.table(index.table)?.estimatedRows, rows > 0 else { return estimated }
        var distinct = 1.0
        for key in index.keys {
            guard let column = key.columnName, let statistics = statistics.column(index.table, column) else { return estimated }
            distinct *= max(statistics.distinctValues(rows: Double(rows)), 1)
        }
        let duplicates = 1 - min(distinct / Double(rows), 1)
        // A posting list keeps a 6-byte TID per row instead of a whole 16+ byte tuple for each.
        return Int(Double(estimated) * (1 - duplicates * 0.6))
    }

    // MARK: - Drops and uncosted suggestions

    private func drops(final search: Search) -> [DropSuggestion] {
        var tables = Set<RelationName>()
        for statement in search.costed { tables.formUnion(needs[statement].tables) }
        // Existing indexes the workload's plans read today but none reads once the recommendations exist.
        let final = evaluator.costs(search.costed.map { ($0, search.chosen) })
        let usedBefore = search.costed.compactMap { search.baseline[$0] }.reduce(into: [String: Int]()) { counts, plan in
            for name in plan.indexNames { counts[name, default: 0] += 1 }
        }
        let usedAfter = Set(final.compactMap { try? $0.get() }.flatMap(\.indexNames))
        var result: [DropSuggestion] = []
        for table in tables.sorted() {
            guard let indexes = schema.table(table)?.indexes else { continue }
            for index in indexes.sorted(by: { $0.name < $1.name }) where !index.isPrimary && !index.isUnique {
                let drop = "DROP INDEX CONCURRENTLY IF EXISTS \(Connection.quoteIdentifier(table.schema)).\(Connection.quoteIdentifier(index.name))"
                if let wider = indexes.first(where: { other in
                    other.name != index.name && other.method == "btree" && index.method == "btree"
                        && other.predicate == index.predicate && other.keys.count > index.keys.count
                        && Array(other.keys.prefix(index.keys.count)) == index.keys
                }) {
                    result.append(DropSuggestion(table: table.description, index: index.name, definition: drop,
                                                 reason: "its keys are a prefix of \(wider.name), which serves every lookup it does",
                                                 scans: index.scans, sizeBytes: index.sizeBytes))
                } else if !search.chosen.isEmpty, let served = usedBefore[index.name], !usedAfter.contains(index.name) {
                    result.append(DropSuggestion(table: table.description, index: index.name, definition: drop,
                                                 reason: "the workload's plans use it today (\(served) statement\(served == 1 ? "" : "s")) "
                                                    + "but none does once the recommendations exist; other applications may still need it",
                                                 scans: index.scans, sizeBytes: index.sizeBytes))
                } else if index.scans == 0, let seconds = statistics.secondsCounted, seconds >= Self.unusedAfterSeconds {
                    result.append(DropSuggestion(table: table.description, index: index.name, definition: drop,
                                                 reason: "never scanned since the statistics were reset"
                                                    + " (\(Self.describe(seconds: Double(seconds))) ago)"
                                                    + (schema.table(table)?.writes.map { "; the table had \($0.description) meanwhile" } ?? ""),
                                                 scans: index.scans, sizeBytes: index.sizeBytes))
                }
            }
        }
        return result
    }

    /// An index unscanned for less than a week may serve a weekly job: not judged unused before.
    static let unusedAfterSeconds = 7 * 86_400

    static func describe(seconds: Double) -> String {
        if seconds >= 86_400 { return "\(Int(seconds / 86_400)) days" }
        if seconds >= 3_600 { return "\(Int(seconds / 3_600)) hours" }
        return "\(Int(seconds / 60)) minutes"
    }

    /// What HypoPG cannot cost (GIN): named, never ranked.
    private func uncosted() -> [UncostedSuggestion] {
        var result: [UncostedSuggestion] = []
        var seen = Set<String>()
        for analysis in analyses {
            for block in analysis.blocks {
                for predicate in block.columnPredicates {
                    guard let relation = predicate.column.relation,
                          let column = schema.table(relation)?.column(named: predicate.column.column), column.isArray,
                          predicate.comparison == .inList || predicate.comparison == .equality else { continue }
                    let definition = "CREATE INDEX CONCURRENTLY ON \(Connection.quoteIdentifier(relation.schema)).\(Connection.quoteIdentifier(relation.name)) USING gin (\(Connection.quoteIdentifier(column.name)))"
                    if seen.insert(definition).inserted {
                        result.append(UncostedSuggestion(table: relation.description, definition: definition,
                                                         reason: "array column \(column.name) is searched; GIN serves @>, && and = ANY on arrays, but HypoPG cannot estimate GIN, so this is not costed"))
                    }
                }
            }
        }
        return result
    }
}
