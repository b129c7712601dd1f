@_exported import SargableTestingCore
import Testing

/// Reports through `Issue.record` at the expectation's call site; a cost tie is a warning.
/// The full plan of a plan failure is attached to the test.
public struct SwiftTestingReporter: ExpectationReporter {
    public init() {}

    public func report(_ failure: ExpectationFailure) {
        let location = SourceLocation(fileID: failure.site.fileID, filePath: failure.site.filePath,
                                      line: failure.site.line, column: failure.site.column)
        Issue.record(Comment(rawValue: failure.message), severity: failure.severity == .warning ? .warning : .error,
                     sourceLocation: location)
        for attachment in failure.attachments where !attachment.text.isEmpty {
            Attachment.record(attachment.text, named: attachment.name, sourceLocation: location)
        }
    }
}

/// `@Suite(.postgres(migrations: "Migrations/"))`: every test of the suite (or the one test)
/// runs with its own database, copied from a template holding the migrations and seed, as
/// `TestDatabase.current`. The database is dropped when the test passes and kept, its URL
/// printed, when the test throws or an expectation on the database fails (an `#expect` is not
/// visible to traits: set SARGABLE_KEEP_TEST_DATABASES=1 to keep every database).
public struct PostgresTrait: SuiteTrait, TestTrait, TestScoping {
    public let setup: DatabaseSetup
    public let captureOptions: CaptureOptions
    /// auto_explain logs every statement's plan; captured statements carry it.
    public let logPlans: Bool

    public init(setup: DatabaseSetup, captureOptions: CaptureOptions = CaptureOptions(), logPlans: Bool = false) {
        self.setup = setup
        self.captureOptions = captureOptions
        self.logPlans = logPlans
    }

    /// On a suite, every test in it gets its own database.
    public var isRecursive: Bool { true }

    /// A scope per test function (each case of a parameterized one), none for a suite itself.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> PostgresTrait? {
        test.isSuite || testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await TestDatabase.with(setup, label: test.name, captureOptions: captureOptions, logPlans: logPlans,
                                    reporter: SwiftTestingReporter()) { _ in
            try await function()
        }
    }
}

extension Trait where Self == PostgresTrait {
    /// A database per test with `migrations`, then `seed` (files, or directories of `*.sql` run
    /// in name order), then `sql`. Relative paths are relative to the file the trait is written in.
    public static func postgres(migrations: String..., seed: String..., sql: String..., capture: CaptureOptions = CaptureOptions(),
                                logPlans: Bool = false, filePath: String = #filePath) -> PostgresTrait {
        let directory = NSStringPath(path: filePath).directory
        return PostgresTrait(setup: DatabaseSetup(migrations: migrations, seed: seed, sql: sql, relativeTo: directory),
                             captureOptions: capture, logPlans: logPlans)
    }
}

/// The directory part of a path.
struct NSStringPath {
    let path: String
    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
