import SargablePlan
import SargablePostgres
import SargableSyntax

/// `--verify`: builds the recommended indexes for real, measures the read statements they serve
/// with EXPLAIN ANALYZE before and after (read-only, rolled back, median of several runs after a
/// warm-up), marks an index that does not pay, and drops what it built unless asked to keep it.
/// What-if costs are the planner's opinion; this is the measurement.
public struct Verifier {
    let connect: () throws(PostgresError) -> Connection
    let limits: StatementLimits
    let functions: FunctionPolicy
    let runs: Int

    public init(connect: @escaping () throws(PostgresError) -> Connection, limits: StatementLimits = StatementLimits(),
                functions: FunctionPolicy = FunctionPolicy(), runs: Int = 3) {
        self.connect = connect
        self.limits = limits
        self.functions = functions
        self.runs = max(1, runs)
    }

    public func verify(_ advice: inout Advice, workload: Workload, keep: Bool,
                       progress: Advisor.Progress? = nil) throws(PostgresError) {
        guard !advice.recommendations.isEmpty else { return }
        let connection = try connect()
        let collector = ExplainCollector(connection: connection, options: ExplainOptions(
            analyze: true, statementTimeoutMilliseconds: limits.statementTimeoutMilliseconds,
            lockTimeoutMilliseconds: limits.lockTimeoutMilliseconds, functions: functions))
        let byFingerprint = Dictionary(workload.statements.map { ($0.fingerprint, $0) }, uniquingKeysWith: { first, _ in first })
        // Only reads are measured: writes would run inside a rolled-back transaction at best.
        let measured = Set(advice.recommendations.flatMap { $0.statements.map(\.fingerprint) }).sorted().filter { fingerprint in
            guard let statement = byFingerprint[fingerprint] else { return false }
            return StatementClass.of(statement.root, text: statement.text) == .read
        }
        var before: [String: Double] = [:]
        for fingerprint in measured {
            progress?("measuring \(fingerprint) without the new indexes")
            if let statement = byFingerprint[fingerprint], let time = try? median(statement, collector).time { before[fingerprint] = time }
        }

        var built: [(recommendation: Int, name: String)] = []
        defer {
            if !keep {
                for (position, _) in built {
                    _ = try? connection.execute("DROP INDEX CONCURRENTLY IF EXISTS \(qualified(advice.recommendations[position]))")
                }
            }
        }
        let clock = ContinuousClock()
        var buildSeconds: [Int: Double] = [:]
        for (position, recommendation) in advice.recommendations.enumerated() {
            let name = recommendation.name
            // Only a name no relation of the schema has yet is built (and dropped): what exists is the user's.
            let exists = try connection.query("""
                SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND n.nspname = $2
                """, [name, recommendation.schema]).rows.isEmpty == false
            if exists {
                advice.problems.append("--verify: an object named \(name) already exists; \(recommendation.definition) was not built")
                continue
            }
            progress?("building \(name)")
            let started = clock.now
            built.append((position, name))
            do throws(PostgresError) {
                try connection.execute("SET lock_timeout = \(limits.lockTimeoutMilliseconds); SET statement_timeout = 0")
                try connection.execute(recommendation.definition)
            } catch {
                advice.problems.append("--verify: building \(name) failed: \(error.description)")
                continue
            }
            let elapsed = clock.now - started
            buildSeconds[position] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        try connection.execute("RESET lock_timeout; RESET statement_timeout")

        var after: [String: (time: Double, plan: ExplainPlan)] = [:]
        for fingerprint in measured {
            progress?("measuring \(fingerprint) with the new indexes")
            if let statement = byFingerprint[fingerprint], let result = try? median(statement, collector) { after[fingerprint] = result }
        }
        for (position, recommendation) in advice.recommendations.enumerated() {
            guard let seconds = buildSeconds[position] else { continue }
            let size = try connection.query("SELECT pg_relation_size($1::regclass) AS size", [qualified(recommendation)]).rows.first?.int("size")
            var statements: [Verification.MeasuredStatement] = []
            for served in recommendation.statements {
                guard let beforeMs = before[served.fingerprint], let afterRun = after[served.fingerprint] else { continue }
                let uses = afterRun.plan.nodes.contains { $0.indexName == recommendation.name }
                statements.append(.init(fingerprint: served.fingerprint, beforeMs: beforeMs, afterMs: afterRun.time, usesIndex: uses))
            }
            let totalBefore = statements.reduce(0) { $0 + $1.beforeMs }
            let totalAfter = statements.reduce(0) { $0 + $1.afterMs }
            let pays = !statements.isEmpty && totalAfter < totalBefore && statements.contains(where: \.usesIndex)
            advice.recommendations[position].verification = Verification(buildSeconds: seconds, sizeBytes: size,
                                                                          statements: statements, pays: pays)
        }
        // An index that did not pay when measured goes to the end of the list.
        let ranked = advice.recommendations.enumerated().sorted { lhs, rhs in
            let (left, right) = (lhs.element.verification?.pays ?? true, rhs.element.verification?.pays ?? true)
            return left != right ? left : lhs.offset < rhs.offset
        }.map(\.element)
        advice.recommendations = ranked.enumerated().map { position, recommendation in
            var copy = recommendation
            copy.rank = position + 1
            return copy
        }
        if keep {
            advice.notes.append("--keep: the indexes --verify built are left in place")
        } else {
            advice.notes.append("--verify built \(built.count) index(es) and dropped them again")
        }
    }

    /// The median execution time of `runs` EXPLAIN ANALYZE runs after one warm-up run, and the last plan.
    private func median(_ statement: WorkloadStatement, _ collector: ExplainCollector) throws(ExplainError) -> (time: Double, plan: ExplainPlan) {
        _ = try collector.explain(statement.text, root: statement.root, parameters: statement.parameters)
        var times: [Double] = []
        var last: ExplainPlan?
        for _ in 0 ..< runs {
            let collected = try collector.explain(statement.text, root: statement.root, parameters: statement.parameters)
            guard collected.executed, let time = collected.plan.executionTime else {
                throw ExplainError("not measured: " + (collected.notes.first ?? "the statement was only planned"))
            }
            times.append(time)
            last = collected.plan
        }
        times.sort()
        return (times[times.count / 2], last!)
    }

    private func qualified(_ recommendation: Recommendation) -> String {
        "\(Connection.quoteIdentifier(recommendation.schema)).\(Connection.quoteIdentifier(recommendation.name))"
    }
}
