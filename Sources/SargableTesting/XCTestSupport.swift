import SargableTestingCore
import XCTest

/// Reports through the test case's failure recording (what `XCTFail` calls) at the expectation's
/// file and line; a cost tie is printed, not failed.
public struct XCTestReporter: ExpectationReporter, @unchecked Sendable {
    // XCTestCase is not Sendable; XCTest runs a test case's body and its failures on one thread.
    let testCase: XCTestCase

    public init(_ testCase: XCTestCase) { self.testCase = testCase }

    public func report(_ failure: ExpectationFailure) {
        guard failure.severity == .failure else {
            print("\(failure.site.filePath):\(failure.site.line): warning: \(failure.message)")
            return
        }
        testCase.recordFailure(withDescription: failure.message, inFile: failure.site.filePath, atLine: failure.site.line, expected: true)
    }
}

extension XCTestCase {
    /// Runs `body` with its own database (the same fixture as the `.postgres(…)` trait), as
    /// `TestDatabase.current`: dropped when the test has no failure at the end, else kept and
    /// its URL printed.
    public func withTestDatabase<T>(migrations: [String] = [], seed: [String] = [], sql: [String] = [],
                                    capture: CaptureOptions = CaptureOptions(), filePath: String = #filePath,
                                    _ body: (TestDatabase) async throws -> T) async throws -> T {
        let setup = DatabaseSetup(migrations: migrations, seed: seed, sql: sql, relativeTo: NSStringPath(path: filePath).directory)
        return try await TestDatabase.with(setup, label: name, captureOptions: capture, reporter: XCTestReporter(self),
                                           passed: { [self] in (testRun?.totalFailureCount ?? 0) == 0 }, body)
    }
}
