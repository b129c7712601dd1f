import Foundation
import SargablePlan
import SargablePostgres
import SargableSyntax

/// A plan matcher named in data (`sargable check`'s YAML) rather than called in Swift.
public enum PlanMatcherSpec: Sendable {
    case usesIndex(String)
    case indexBacked(String)
    case noSeqScan(String)
    case noSortSpill
    case estimatedRows(table: String, atMost: Double)
    case totalCost(atMost: Double)
    case indexUsable(String)
    case noFindings(any PlanRule.Type)

    /// Runs the matcher on `check`; returns whether it held.
    @discardableResult
    public func apply(to check: PlanCheck) -> Bool {
        switch self {
        case .usesIndex(let index): check.uses(index: index)
        case .indexBacked(let table): check.indexBacked(on: table)
        case .noSeqScan(let table): check.noSeqScan(on: table)
        case .noSortSpill: check.noSortSpill()
        case .estimatedRows(let table, let limit): check.estimatedRows(on: table, atMost: limit)
        case .totalCost(let limit): check.totalCost(atMost: limit)
        case .indexUsable(let table): check.indexUsable(on: table)
        case .noFindings(let rule): check.noFindings(rule)
        }
    }
}

/// A query expectation named in data: what `expectQueries`, `expectNoQueries` and
/// `expectNoNPlusOne` check, applied to a capture the runner took.
public enum QueryExpectationSpec: Sendable {
    case count(QueryCount, StatementKind, on: String?)
    case noNPlusOne(threshold: Int)

    /// `expectNoQueries`: exactly zero statements of any kind.
    public static let noQueries = QueryExpectationSpec.count(.exactly(0), .any, on: nil)

    /// The library's failure message for `capture`, or nil when the expectation holds.
    func failure(_ capture: Capture, on database: TestDatabase) -> String? {
        switch self {
        case .count(let count, let kind, let table): QueryDiagnosis.countFailure(count, kind, on: table, capture, database: database)
        case .noNPlusOne(let threshold): database.nPlusOneFailure(capture, threshold: threshold)
        }
    }
}

/// One check: a statement and what its plan must satisfy, or a script whose statements are
/// captured on the server and counted.
public struct CheckCase: Sendable {
    public enum Kind: Sendable {
        case plan(sql: String, parameters: [String?]?, matchers: [PlanMatcherSpec], analyze: Bool, genericPlan: Bool)
        /// Statements run one by one on a connection of their own; inside a transaction that is
        /// rolled back unless `commit` (then as written, so the script may hold its own
        /// transaction control or `CREATE INDEX CONCURRENTLY`).
        case queries(script: String, commit: Bool, expectations: [QueryExpectationSpec])
    }

    /// Unique within the file: the test name in JUnit.
    public var name: String
    public var kind: Kind
    /// Where the check is written (the YAML file and the line of its name).
    public var file: String
    public var line: Int

    public init(name: String, kind: Kind, file: String, line: Int) {
        self.name = name
        self.kind = kind
        self.file = file
        self.line = line
    }
}

/// How one check went.
public struct CheckResult: Sendable {
    public var check: CheckCase
    /// Failed expectations and cost-tie warnings.
    public var failures: [ExpectationFailure]
    /// The check could not be carried out (bad SQL, a refused statement): the input is wrong.
    public var error: String?
    public var seconds: Double

    public var passed: Bool { error == nil && !failures.contains { $0.severity == .failure } }
}

/// The engine of `sargable check`: plan checks on a database given by conninfo, or on a
/// throwaway one loaded from SQL files (the template of the test fixture); query checks on the
/// throwaway one only, whose server logs every statement for the capture.
public enum CheckRunner {
    public enum Target: Sendable {
        case connectionString(String)
        case setup(DatabaseSetup)
    }

    public static func run(_ checks: [CheckCase], on target: Target) throws -> [CheckResult] {
        let connectionString: String
        var database: TestDatabase?
        let reporter = CollectingReporter()
        switch target {
        case .connectionString(let text): connectionString = text
        case .setup(let setup):
            let created = try TestDatabase.create(setup, label: "check", reporter: reporter)
            database = created
            connectionString = created.connectionString
        }
        defer { database?.drop() }
        // Unreachable or refused: every check would fail the same way, so it is one input error.
        _ = try Connection(connectionString, applicationName: TestDatabase.applicationName)
        let clock = ContinuousClock()
        return checks.map { check in
            let began = clock.now
            let site = CallSite(fileID: check.file, filePath: check.file, line: check.line, column: 1)
            var result = CheckResult(check: check, failures: [], error: nil, seconds: 0)
            do {
                switch check.kind {
                case .plan(let sql, let parameters, let matchers, let analyze, let genericPlan):
                    result.failures = try PlanExpectation.check(sql, parameters: parameters, on: connectionString,
                                                                analyze: analyze, genericPlan: genericPlan, site: site) { plan in
                        for matcher in matchers { matcher.apply(to: plan) }
                    }.failures
                case .queries(let script, let commit, let expectations):
                    // Only a database this run created logs its statements where the capture reads them.
                    guard let database else {
                        throw CaptureError("a script's statements are captured only on a database loaded with 'load:', not one named by conninfo")
                    }
                    let capture = try run(script, commit: commit, name: check.name, on: database)
                    result.failures = expectations.compactMap { expectation in
                        expectation.failure(capture, on: database).map { ExpectationFailure($0, site: site) }
                    }
                }
            } catch {
                result.error = "\(error)"
            }
            let elapsed = clock.now - began
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return result
        }
    }

    /// Runs a check's script on a connection of its own (the capture counts it, unlike
    /// Sargable's) and returns its capture. By default inside a transaction that is rolled back,
    /// so checks do not change what later checks see; the BEGIN and ROLLBACK are outside the
    /// capture, which holds the script's statements only.
    private static func run(_ script: String, commit: Bool, name: String, on database: TestDatabase) throws -> Capture {
        let script = DatabaseSetup.Script(name: "check '\(name)'", text: script)
        if !commit, let ordinal = script.firstTransactionControl() {
            throw SetupError("check '\(name)': statement \(ordinal + 1) is transaction control, but the script runs in a "
                + "transaction that is rolled back; remove it, or say 'commit: true' to run the script as written")
        }
        let connection = try database.connect()
        if !commit { try connection.execute("BEGIN") }
        let capture = try database.capture(synchronously: { try script.run(on: connection) })
        if !commit { try connection.execute("ROLLBACK") }
        return capture
    }
}
