import Foundation
import SargablePlan
import SargablePostgres

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

/// One statement and what its plan must satisfy.
public struct PlanCheckCase: Sendable {
    /// Unique within the file: the test name in JUnit.
    public var name: String
    public var sql: String
    public var parameters: [String?]?
    public var matchers: [PlanMatcherSpec]
    public var analyze: Bool
    public var genericPlan: Bool
    /// Where the check is written (the YAML file and the line of its name).
    public var file: String
    public var line: Int

    public init(name: String, sql: String, parameters: [String?]? = nil, matchers: [PlanMatcherSpec], analyze: Bool = true,
                genericPlan: Bool = true, file: String, line: Int) {
        self.name = name
        self.sql = sql
        self.parameters = parameters
        self.matchers = matchers
        self.analyze = analyze
        self.genericPlan = genericPlan
        self.file = file
        self.line = line
    }
}

/// How one check went.
public struct PlanCheckResult: Sendable {
    public var check: PlanCheckCase
    /// Failed matchers and cost-tie warnings.
    public var failures: [ExpectationFailure]
    /// The statement could not be explained (bad SQL, a refused statement): the input is wrong.
    public var error: String?
    public var seconds: Double

    public var passed: Bool { error == nil && !failures.contains { $0.severity == .failure } }
}

/// The engine of `sargable check`: plan checks on a database given by conninfo, or on a
/// throwaway one loaded from SQL files (the template of the test fixture).
public enum PlanCheckRunner {
    public enum Target: Sendable {
        case connectionString(String)
        case setup(DatabaseSetup)
    }

    public static func run(_ checks: [PlanCheckCase], on target: Target) throws -> [PlanCheckResult] {
        let connectionString: String
        var database: TestDatabase?
        switch target {
        case .connectionString(let text): connectionString = text
        case .setup(let setup):
            let created = try TestDatabase.create(setup, label: "check", reporter: CollectingReporter())
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
            var result = PlanCheckResult(check: check, failures: [], error: nil, seconds: 0)
            do {
                result.failures = try PlanExpectation.check(check.sql, parameters: check.parameters, on: connectionString,
                                                            analyze: check.analyze, genericPlan: check.genericPlan, site: site) { plan in
                    for matcher in check.matchers { matcher.apply(to: plan) }
                }.failures
            } catch {
                result.error = "\(error)"
            }
            let elapsed = clock.now - began
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return result
        }
    }
}
