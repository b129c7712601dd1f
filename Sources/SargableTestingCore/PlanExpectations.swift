import Foundation
import SargablePlan
import SargablePostgres
import SargableSyntax

/// The plan of one statement, and the matchers run on it (`plan.uses(index:)`, …). Matchers
/// walk the plan tree; none reads EXPLAIN text. Each returns whether it held.
public final class PlanCheck {
    public let collected: CollectedPlan
    public var plan: ExplainPlan { collected.plan }
    /// `generic plan` when this is the plan a prepared statement gets without values.
    public let label: String?
    let context: PlanContext
    private(set) var outcomes: [PlanOutcome] = []

    init(collected: CollectedPlan, label: String?, context: PlanContext) {
        self.collected = collected
        self.label = label
        self.context = context
    }

    /// Nodes that read `table` (by name, or by alias).
    public func nodes(on table: String) -> [PlanNode] {
        plan.nodes.filter { node in
            node.relationName == table || node.alias == table
                || node.schema.flatMap { schema in node.relationName.map { "\(schema).\($0)" } } == table
        }
    }

    @discardableResult
    func record(_ outcome: PlanOutcome) -> Bool {
        outcomes.append(outcome)
        return outcome.failure == nil
    }

    /// A passing outcome.
    func pass() -> Bool { record(PlanOutcome(failure: nil)) }
}

/// What one matcher found: nil `failure` when it held.
struct PlanOutcome {
    var failure: String?
    /// The node the failure is about, shown with its surroundings.
    var node: PlanNode?
    var plan: ExplainPlan?
    var hint: String = ""
    /// For plan-choice matchers: how to ask the planner for its second choice.
    var tie: TieProbe?
}

/// Re-plans with the chosen path disabled: when the other plan satisfies the matcher and costs
/// within the planner's fuzz, the choice was a coin toss and the failure is reported as a warning.
struct TieProbe {
    /// `enable_seqscan = off` and the like.
    var settings: [String: String] = [:]
    /// Indexes hidden from the planner with hypopg (when one index was chosen over another).
    var hiddenIndexes: [String] = []
    var satisfied: (ExplainPlan) -> Bool

    /// The `enable_*` setting that takes a node type away from the planner.
    static func setting(disabling type: PlanNodeType) -> String? {
        switch type {
        case .seqScan: "enable_seqscan"
        case .indexScan: "enable_indexscan"
        case .indexOnlyScan: "enable_indexonlyscan"
        case .bitmapHeapScan, .bitmapIndexScan: "enable_bitmapscan"
        case .sort: "enable_sort"
        case .incrementalSort: "enable_incremental_sort"
        case .hashJoin: "enable_hashjoin"
        case .mergeJoin: "enable_mergejoin"
        case .nestedLoop: "enable_nestloop"
        case .memoize: "enable_memoize"
        case .materialize: "enable_material"
        default: nil
        }
    }

    /// Disables `node`: hides the index it uses when there is one (so other indexes stay
    /// usable), else turns its node type off.
    static func disabling(_ node: PlanNode, satisfied: @escaping (ExplainPlan) -> Bool) -> TieProbe? {
        let indexes = node.allNodes.compactMap(\.indexName)
        if !indexes.isEmpty { return TieProbe(hiddenIndexes: indexes, satisfied: satisfied) }
        guard let setting = setting(disabling: node.nodeType) else { return nil }
        return TieProbe(settings: [setting: "off"], satisfied: satisfied)
    }

    var describe: String {
        (settings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" } + hiddenIndexes.map { "\($0) hidden" })
            .joined(separator: ", ")
    }
}

/// The planner's fuzz factor (`STD_FUZZ_FACTOR` in pathnode.c): paths within 1% cost the same.
let plannerFuzz = 1.01

/// The connection and statement a plan came from, for re-planning and catalog look-ups.
final class PlanContext {
    let connection: Connection
    let sql: String
    let root: Node
    let parameters: [String?]?

    init(connection: Connection, sql: String, root: Node, parameters: [String?]?) {
        self.connection = connection
        self.sql = sql
        self.root = root
        self.parameters = parameters
    }

    /// The plan (not executed) with `settings` set and `hidden` indexes invisible to the planner.
    func replan(settings: [String: String] = [:], hiding hidden: [String] = []) throws -> ExplainPlan {
        for (name, value) in settings { try connection.execute("SET \(name) = \(Connection.quoteLiteral(value))") }
        let hypoPGHides = !hidden.isEmpty
            && (try? connection.query("SELECT to_regproc('hypopg_hide_index') IS NOT NULL AS hides").rows.first?.bool("hides")) == true
        defer {
            for name in settings.keys { _ = try? connection.execute("RESET \(name)") }
            if hypoPGHides { _ = try? connection.query("SELECT hypopg_unhide_all_indexes()") }
            if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
        }
        if hypoPGHides {
            for index in hidden { try connection.query("SELECT hypopg_hide_index(to_regclass($1)::oid)", [Connection.quoteIdentifier(index)]) }
        } else if !hidden.isEmpty {
            // hypopg before 1.4 cannot hide an index: drop it in a transaction that is never
            // committed. The collector's own BEGIN then only warns, and its ROLLBACK ends this one;
            // the statement is planned, not run.
            try connection.execute("BEGIN")
            try connection.execute("SET LOCAL lock_timeout = '2s'")
            for index in hidden { try connection.execute("DROP INDEX \(Connection.quoteIdentifier(index))") }
        }
        return try ExplainCollector(connection: connection, options: ExplainOptions(analyze: false))
            .explain(sql, root: root, parameters: parameters).plan
    }

    /// The table an index belongs to.
    func table(ofIndex index: String) -> String? {
        (try? connection.query("""
            SELECT t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
            WHERE c.oid = to_regclass($1)
            """, [Connection.quoteIdentifier(index)]))?.rows.first?["relname"]
    }

    /// Where the planner's row counts for `table` came from.
    func statistics(of table: String) -> String? {
        guard let row = (try? connection.query("""
            SELECT c.reltuples::bigint AS tuples, c.relpages AS pages,
                   EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = c.oid) AS has_columns
            FROM pg_class c WHERE c.oid = to_regclass($1)
            """, [Connection.quoteIdentifier(table)]))?.rows.first,
              let tuples = row.int("tuples") else { return nil }
        if tuples < 0 {
            return "statistics: \(table) has never been analyzed (pg_class.reltuples = -1), so its row counts are the planner's guesses; "
                + "run ANALYZE \(table) after loading test data"
        }
        let columns = row.bool("has_columns") == true ? "with column statistics (pg_statistic)" : "without column statistics"
        return "statistics: \(table) has \(tuples) rows in \(row.int("pages") ?? 0) pages (pg_class.reltuples), \(columns)"
    }
}

extension TestDatabase {
    /// Explains `sql` on this database (read-only, rolled back, with timeouts: the safe EXPLAIN
    /// collector) and runs `body`'s matchers on its plan. With `parameters` for `$1…`, the plan
    /// for those values is checked, then (unless `genericPlan` is false) the generic plan a
    /// prepared statement gets. SELECTs are executed (EXPLAIN ANALYZE) unless `analyze` is false,
    /// so failures show estimated against actual rows. Returns the plan for the given values.
    @discardableResult
    public func expectPlan(of sql: String, parameters: [String?]? = nil, analyze: Bool = true, genericPlan: Bool = true,
                           fileID: String = #fileID, filePath: String = #filePath, line: Int = #line, column: Int = #column,
                           _ body: (PlanCheck) throws -> Void) throws -> CollectedPlan {
        let site = CallSite(fileID: fileID, filePath: filePath, line: line, column: column)
        let (plan, failures) = try PlanExpectation.check(sql, parameters: parameters, on: connectionString, analyze: analyze,
                                                         genericPlan: genericPlan, site: site, body)
        failures.forEach(report)
        return plan
    }
}

/// A plan expectation on any database (a test's, or the one `sargable check` is given).
public enum PlanExpectation {
    /// The plan for `parameters`, and the failures and warnings of `body`'s matchers on it (and
    /// on the generic plan, when there are parameters and `genericPlan`).
    public static func check(_ sql: String, parameters: [String?]? = nil, on connectionString: String, analyze: Bool = true,
                             genericPlan: Bool = true, site: CallSite,
                             _ body: (PlanCheck) throws -> Void) throws -> (plan: CollectedPlan, failures: [ExpectationFailure]) {
        let connection = try Connection(connectionString, applicationName: TestDatabase.applicationName)
        let tree = try PgQuery.parse(sql)
        guard tree.statements.count == 1, let root = tree.statements.first else {
            throw SetupError("a plan expectation takes one statement, got \(tree.statements.count)")
        }
        var variants: [(parameters: [String?]?, label: String?)] = [(parameters, nil)]
        if let parameters, !parameters.isEmpty, genericPlan { variants.append((nil, "generic plan")) }
        var first: CollectedPlan?
        var failures: [ExpectationFailure] = []
        for variant in variants {
            let collected = try ExplainCollector(connection: connection, options: ExplainOptions(analyze: analyze))
                .explain(sql, root: root, parameters: variant.parameters)
            first = first ?? collected
            let context = PlanContext(connection: connection, sql: sql, root: root, parameters: variant.parameters)
            let check = PlanCheck(collected: collected, label: variant.label, context: context)
            try body(check)
            failures += PlanDiagnosis.failures(check, site: site)
        }
        return (first!, failures)
    }
}

enum PlanDiagnosis {
    /// The failed matchers of `check` as failures, after the cost-tie probe.
    static func failures(_ check: PlanCheck, site: CallSite) -> [ExpectationFailure] {
        check.outcomes.compactMap { outcome in
            guard let failure = outcome.failure else { return nil }
            var severity = ExpectationFailure.Severity.failure
            var lines = [(check.label.map { "\($0): " } ?? "") + failure]
            if let tie = outcome.tie {
                switch probe(tie, chosen: check.plan, context: check.context) {
                case .tie(let line):
                    severity = .warning
                    lines[0] = "cost tie: " + lines[0]
                    lines.append(line)
                case .notTie(let line): lines.append(line)
                }
            }
            let shown = outcome.plan ?? check.plan
            if let node = outcome.node {
                lines.append("plan (estimated vs actual rows; → marks the node):")
                lines += excerpt(shown, around: node)
                if let table = node.relationName, let statistics = check.context.statistics(of: table) { lines.append(statistics) }
            }
            if !outcome.hint.isEmpty { lines.append("help: " + outcome.hint) }
            return ExpectationFailure(lines.joined(separator: "\n"), severity: severity, site: site,
                                      attachments: [("plan.json", check.collected.postgresJSON)])
        }
    }

    enum Probe {
        case tie(String)
        case notTie(String)
    }

    static func probe(_ tie: TieProbe, chosen: ExplainPlan, context: PlanContext) -> Probe {
        let other: ExplainPlan
        do {
            other = try context.replan(settings: tie.settings, hiding: tie.hiddenIndexes)
        } catch {
            return .notTie("cannot re-plan with \(tie.describe) to look for a cost tie: \(error)")
        }
        let chosenCost = chosen.root.totalCost, otherCost = other.root.totalCost
        let cost = "cost \(format(otherCost)) against \(format(chosenCost)) for the plan chosen"
        guard tie.satisfied(other) else {
            return .notTie("with \(tie.describe) the planner still does not satisfy this (\(cost))")
        }
        if otherCost <= chosenCost * plannerFuzz + 0.01 {
            return .tie("with \(tie.describe) the planner satisfies this at \(cost), within its 1% fuzz: "
                + "which one it picks is arbitrary; make the data decide (more rows, ANALYZE) or assert indexUsable(on:)")
        }
        return .notTie("with \(tie.describe) the planner would satisfy this at \(cost): not a cost tie")
    }

    /// The nodes from the root down to `node`, then `node`'s details and children.
    static func excerpt(_ plan: ExplainPlan, around node: PlanNode) -> [String] {
        var path: [PlanNode] = []
        func find(_ current: PlanNode) -> Bool {
            path.append(current)
            if current.id == node.id { return true }
            for child in current.children where find(child) { return true }
            path.removeLast()
            return false
        }
        guard find(plan.root) else { return ["  " + describe(node)] }
        var lines: [String] = []
        for (depth, current) in path.enumerated() {
            let indent = "  " + String(repeating: "   ", count: depth)
            let marker = current.id == node.id ? "→ " : ""
            lines.append(indent + (depth > 0 ? "└─ " : "") + marker + describe(current))
        }
        let detail = "  " + String(repeating: "   ", count: path.count) + "   "
        for (label, value) in [("Filter", node.filter), ("Index Cond", node.indexCond), ("Recheck Cond", node.recheckCond),
                               ("Join Filter", node.joinFilter), ("Hash Cond", node.hashCond)] {
            if let value { lines.append(detail + "\(label): \(value)") }
        }
        if let removed = node.rowsRemovedByFilter { lines.append(detail + "Rows Removed by Filter: \(Int(removed))") }
        if let method = node.sortMethod { lines.append(detail + "Sort Method: \(method) (\(node.sortSpaceType ?? "?") \(node.sortSpaceUsed ?? 0) kB)") }
        for child in node.children { lines.append(detail + "└─ " + describe(child)) }
        return lines
    }

    /// `Seq Scan on orders  (estimated 10 rows, actual 1200 rows × 1 loop; cost 0.00..180.00)`.
    static func describe(_ node: PlanNode) -> String {
        var rows = "estimated \(Int(node.planRows)) rows"
        if node.neverExecuted {
            rows += ", never executed"
        } else if let actual = node.actualRows {
            let loops = Int(node.actualLoops ?? 1)
            rows += ", actual \(Int(actual)) rows × \(loops) loop\(loops == 1 ? "" : "s")"
        }
        return "\(node.summary)  (\(rows); cost \(format(node.startupCost))..\(format(node.totalCost)))"
    }

    static func format(_ cost: Double) -> String { String(format: "%.2f", cost) }
}
