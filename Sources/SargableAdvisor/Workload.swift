import SargableCore
import SargableLogs
import SargablePostgres
import SargableSyntax

/// One statement family the advisor serves: its text, how often it runs and, when the source
/// measured it, how much time it took in all.
public struct WorkloadStatement: Sendable {
    public var fingerprint: String
    public var text: String
    public var root: Node
    /// Values for `$1…` (from the log's `parameters:` detail); nil plans the generic plan.
    public var parameters: [String?]?
    /// Every logged set of values for `$1…`, the slowest execution's first: the advisor plans
    /// each and keeps the costliest as `parameters` (one family's plan can change with its values).
    public var parameterSamples: [[String?]]
    public var calls: Int
    /// Total execution time in milliseconds, when the source has it (logs, pg_stat_statements).
    public var totalMs: Double?
    /// Where the statement came from, for messages: `queries.sql:3:1`, a log's name.
    public var origin: String
    /// The plan auto_explain logged for it (JSON or text), when the log has one: what really ran.
    public var loggedPlan: String?

    public init(fingerprint: String, text: String, root: Node, parameters: [String?]? = nil,
                parameterSamples: [[String?]] = [], calls: Int, totalMs: Double? = nil, origin: String,
                loggedPlan: String? = nil) {
        self.fingerprint = fingerprint
        self.text = text
        self.root = root
        self.parameters = parameters
        self.parameterSamples = parameterSamples
        self.calls = calls
        self.totalMs = totalMs
        self.origin = origin
        self.loggedPlan = loggedPlan
    }
}

/// The statements to advise for, and what could not be read of the input.
public struct Workload: Sendable {
    public var statements: [WorkloadStatement] = []
    /// One line each, with its location: unreadable input, statements left out and why.
    public var problems: [String] = []
    /// Families dropped by `topShare` (their share of time is too small to index for).
    public var omittedFamilies = 0
    /// DDL and utility statements (CREATE, SET, LOAD …): no index changes how they run.
    public var skippedStatements = 0
    /// How long the captured workload ran (a log's first to last line, pg_stat_statements since
    /// its reset): the table's own write counters are scaled to it. Nil for SQL files.
    public var windowSeconds: Double?

    public init(statements: [WorkloadStatement] = [], problems: [String] = []) {
        self.statements = statements
        self.problems = problems
    }

    /// True when every statement has a measured time: the advisor then weighs statements by time.
    public var isTimed: Bool { !statements.isEmpty && statements.allSatisfy { $0.totalMs != nil } }

    /// Statements of SQL files, each with weight 1 unless a `-- sargable: weight N` comment before
    /// it says how many times it runs. Statements with the same fingerprint add up.
    public static func from(documents: [SQLDocument]) -> Workload {
        var workload = Workload()
        var byFingerprint: [String: Int] = [:]
        for document in documents {
            for diagnostic in document.diagnostics { workload.problems.append(document.locate(diagnostic).description) }
            let weights = Self.weights(in: document)
            for statement in document.parse() {
                let position = document.file.position(ofByte: statement.source.range.lowerBound)
                let origin = "\(document.file.path):\(position)"
                switch statement.result {
                case .failure(let error):
                    workload.problems.append(document.locate(error, in: statement.source).description)
                case .success(let root):
                    let calls = weights[statement.source.ordinal] ?? 1
                    workload.add(text: statement.source.text, root: root, calls: calls, totalMs: nil, parameters: nil,
                                 parameterSamples: [], origin: origin, merging: &byFingerprint)
                }
            }
        }
        return workload
    }

    /// A statement family as logs and pg_stat_statements aggregate it.
    public struct Family: Sendable {
        public var fingerprint: String
        public var text: String
        public var calls: Int
        public var totalMs: Double
        /// `$1 = '42', $2 = NULL`, as the log's `parameters:` detail writes them; several when the
        /// log has them, the slowest execution's first.
        public var loggedParameters: [String]
        /// auto_explain's plan of one of its executions, when logged.
        public var loggedPlan: String?

        public init(fingerprint: String, text: String, calls: Int, totalMs: Double, loggedParameters: [String] = [],
                    loggedPlan: String? = nil) {
            self.fingerprint = fingerprint
            self.text = text
            self.calls = calls
            self.totalMs = totalMs
            self.loggedParameters = loggedParameters
            self.loggedPlan = loggedPlan
        }
    }

    /// The families of an analyzed log or pg_stat_statements export.
    public static func from(report: WorkloadReport, origin: String, topShare: Double = 0.95) -> Workload {
        var workload = from(families: report.queries.filter { $0.calls > 0 }.map {
            Family(fingerprint: $0.fingerprint, text: $0.example, calls: $0.calls, totalMs: $0.totalMs,
                   loggedParameters: $0.parameterSamples ?? [$0.parameters].compactMap { $0 }, loggedPlan: $0.plan)
        }, origin: origin, topShare: topShare)
        if let first = report.summary.firstSeen, let last = report.summary.lastSeen, last > first {
            workload.windowSeconds = last - first
        }
        return workload
    }

    /// Families heaviest first, keeping those that make `topShare` of the total time; a family's
    /// logged parameters are used when it has them, else it gets the generic plan.
    public static func from(families: [Family], origin: String, topShare: Double = 0.95) -> Workload {
        var workload = Workload()
        var byFingerprint: [String: Int] = [:]
        // Only statements an index can change count towards the share of time kept.
        var parsed: [(family: Family, root: Node)] = []
        for family in families {
            guard let tree = try? PgQuery.parse(family.text), tree.statements.count == 1, let root = tree.statements.first else {
                workload.problems.append("\(origin): fingerprint \(family.fingerprint): the statement text does not parse as one statement; left out")
                continue
            }
            if case .refused = StatementClass.of(root, text: family.text) {
                workload.skippedStatements += 1
                continue
            }
            parsed.append((family, root))
        }
        parsed.sort { $0.family.totalMs != $1.family.totalMs ? $0.family.totalMs > $1.family.totalMs : $0.family.fingerprint < $1.family.fingerprint }
        let total = parsed.reduce(0) { $0 + $1.family.totalMs }
        var covered = 0.0
        for (family, root) in parsed {
            if total > 0, covered >= topShare * total {
                workload.omittedFamilies += 1
                continue
            }
            covered += family.totalMs
            let samples = family.loggedParameters.compactMap(LoggedParameters.values)
            workload.add(text: family.text, root: root, calls: max(family.calls, 1), totalMs: family.totalMs,
                         parameters: samples.first, parameterSamples: samples, origin: origin, loggedPlan: family.loggedPlan,
                         merging: &byFingerprint)
        }
        return workload
    }

    private mutating func add(text: String, root: Node, calls: Int, totalMs: Double?, parameters: [String?]?,
                              parameterSamples: [[String?]], origin: String, loggedPlan: String? = nil,
                              merging byFingerprint: inout [String: Int]) {
        if case .refused = StatementClass.of(root, text: text) {
            skippedStatements += 1
            return
        }
        let fingerprint = (try? PgQuery.fingerprint(text).hex) ?? text
        if let existing = byFingerprint[fingerprint] {
            statements[existing].calls = statements[existing].calls.addingReportingOverflow(calls).overflow ? .max : statements[existing].calls + calls
            if let totalMs { statements[existing].totalMs = (statements[existing].totalMs ?? 0) + totalMs }
            if statements[existing].loggedPlan == nil { statements[existing].loggedPlan = loggedPlan }
            return
        }
        byFingerprint[fingerprint] = statements.count
        statements.append(WorkloadStatement(fingerprint: fingerprint, text: text, root: root, parameters: parameters,
                                            parameterSamples: parameterSamples, calls: calls, totalMs: totalMs, origin: origin,
                                            loggedPlan: loggedPlan))
    }

    static let weightDirective = "sargable: weight"

    /// `-- sargable: weight N` before a statement (after the previous one): statement ordinal → N.
    static func weights(in document: SQLDocument) -> [Int: Int] {
        var result: [Int: Int] = [:]
        let statements = document.statements
        var next = 0
        for comment in document.comments() {
            let text = document.file.text(of: comment.range)
            guard let found = text.range(of: weightDirective) else { continue }
            let number = text[found.upperBound...].drop(while: \.isWhitespace).prefix(while: \.isNumber)
            guard let weight = Int(number), weight > 0 else { continue }
            while next < statements.count, statements[next].range.lowerBound < comment.range.upperBound { next += 1 }
            if next < statements.count { result[statements[next].ordinal] = weight }
        }
        return result
    }
}
