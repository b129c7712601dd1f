import Foundation
import SargablePostgres

/// One test's own database, copied from the template of its setup: dropped when the test passes,
/// kept (its URL printed) when it fails, so the state a failure left can be looked at.
public final class TestDatabase: @unchecked Sendable {
    /// Sargable's own connections (markers, EXPLAIN) carry this `application_name`, so a capture
    /// never counts them.
    public static let applicationName = "sargable-testing"
    /// Set to 1 to keep every test database, passed or not.
    public static let keepEnvironmentVariable = "SARGABLE_KEEP_TEST_DATABASES"

    /// The database of the running test, inside `.postgres(…)` or `withTestDatabase`.
    @TaskLocal public static var current: TestDatabase?

    /// The current test's database, or an error that says how to get one.
    public static func require() throws -> TestDatabase {
        guard let current else {
            throw SetupError("no test database: add .postgres(migrations: …) to the suite or test, or use withTestDatabase { db in … }")
        }
        return current
    }

    public let name: String
    public let cluster: TestCluster
    /// A libpq conninfo string (`host=… port=… user=… dbname=…`).
    public let connectionString: String
    /// The same as a `postgresql://` URI.
    public let url: String
    /// What a capture leaves out unless an expectation says otherwise.
    public let captureOptions: CaptureOptions
    public let reporter: any ExpectationReporter
    /// How long creating the database took (the copy of the template and its settings).
    public let creationDuration: Duration

    private let lock = NSLock()
    private var controlConnection: Connection?
    private var failureCount = 0
    private var finished = false

    /// Creates a database for one test from `setup` (its template is loaded first if needed).
    /// With `logPlans`, auto_explain logs the plan of every statement (JSON, with row counts), and
    /// captured statements carry it (`CapturedStatement.explainPlan`).
    public static func create(_ setup: DatabaseSetup = DatabaseSetup(), label: String = "test",
                              cluster: TestCluster? = nil, captureOptions: CaptureOptions = CaptureOptions(), logPlans: Bool = false,
                              reporter: any ExpectationReporter = PrintingReporter()) throws -> TestDatabase {
        let cluster = try cluster ?? TestCluster.shared()
        let template = try cluster.template(for: setup)
        return try TestDatabase(cluster: cluster, template: template, label: label, captureOptions: captureOptions,
                                logPlans: logPlans, reporter: reporter)
    }

    private init(cluster: TestCluster, template: String, label: String, captureOptions: CaptureOptions, logPlans: Bool,
                 reporter: any ExpectationReporter) throws {
        let clock = ContinuousClock()
        let began = clock.now
        // ASCII only, so the name stays within PostgreSQL's 63 bytes.
        let cleaned = String(label.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }.prefix(30))
        let name = "sargable_test_\(cleaned)_\(UUID().uuidString.prefix(8).lowercased())"
        self.name = name
        self.cluster = cluster
        self.captureOptions = captureOptions
        self.reporter = reporter
        let quoted = Connection.quoteIdentifier(name)
        try cluster.withAdmin { admin in
            // FILE_COPY copies the template's files; WAL_LOG (15's default) writes every block to
            // the WAL, slower for a small database.
            try admin.execute("CREATE DATABASE \(quoted) TEMPLATE \(Connection.quoteIdentifier(template)) STRATEGY FILE_COPY")
            do {
                // Database settings are not copied with the template, so each test database says
                // it logs every statement itself (setting it needs a superuser).
                try admin.execute("ALTER DATABASE \(quoted) SET log_min_duration_statement = 0")
                if logPlans {
                    for (setting, value) in ["session_preload_libraries": "auto_explain", "auto_explain.log_min_duration": "0",
                                             "auto_explain.log_analyze": "on", "auto_explain.log_format": "json"] {
                        try admin.execute("ALTER DATABASE \(quoted) SET \(setting) = \(Connection.quoteLiteral(value))")
                    }
                }
            } catch {
                _ = try? admin.execute("DROP DATABASE IF EXISTS \(quoted) WITH (FORCE)")
                throw SetupError("cannot make \(name) log its statements: \(error)")
            }
        }
        connectionString = cluster.connectionString(database: name)
        url = cluster.url(database: name)
        creationDuration = clock.now - began
    }

    /// A new connection to this database (the caller closes it by letting it go).
    public func connect() throws -> Connection {
        try Connection(connectionString)
    }

    /// Runs SQL on Sargable's own connection, which captures never count (seeding, set-up).
    @discardableResult
    public func execute(_ sql: String) throws -> QueryResult {
        try withControlConnection { try $0.execute(sql) }
    }

    /// Runs one statement with `$1…` parameters on Sargable's own connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> QueryResult {
        try withControlConnection { try $0.query(sql, parameters) }
    }

    func withControlConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if controlConnection == nil || controlConnection?.isBroken == true {
            controlConnection = try Connection(connectionString, applicationName: Self.applicationName)
        }
        return try body(controlConnection!)
    }

    /// Runs `body` and returns every statement the server ran on this database meanwhile
    /// (excluding what `options` leaves out), whatever client sent it.
    public func capture(options: CaptureOptions? = nil, _ body: () async throws -> Void) async throws -> Capture {
        guard let logFile = cluster.logFile else {
            throw CaptureError("statements cannot be captured: \(cluster.logProblem ?? "no server log")")
        }
        let log = LogCapture(logFile: logFile, database: name)
        let window = try withControlConnection { try log.begin(on: $0) }
        try await body()
        let (executions, sessions) = try withControlConnection { try log.end(window, on: $0) }
        let options = options ?? captureOptions
        let all = executions.map(CapturedStatement.init)
        return Capture(statements: all.filter { $0.isIncluded(by: options) }, excluded: all.filter { !$0.isIncluded(by: options) },
                       sessions: sessions)
    }

    /// Reports a failure (counted: a database whose test failed is kept).
    func report(_ failure: ExpectationFailure) {
        if failure.severity == .failure { lock.withLock { failureCount += 1 } }
        reporter.report(failure)
    }

    /// Failures reported through this database so far.
    public var failures: Int { lock.withLock { failureCount } }

    /// Ends the test: drops the database when it passed (and no expectation on it failed), else
    /// keeps it and says where it is. Returns the message it printed, if any.
    @discardableResult
    public func finish(passed: Bool) -> String? {
        let keep = lock.withLock { () -> Bool? in
            guard !finished else { return nil }
            finished = true
            controlConnection = nil
            return !passed || failureCount > 0 || ProcessInfo.processInfo.environment[Self.keepEnvironmentVariable] == "1"
        }
        guard let keep else { return nil }
        if keep {
            let note = cluster.server == nil ? "" : " (the throwaway server stops with the test process; set \(TestCluster.environmentVariable) to keep it)"
            let message = "sargable: kept test database \(name): \(url)\(note)"
            FileHandle.standardError.write(Data((message + "\n").utf8))
            return message
        }
        drop()
        return nil
    }

    /// Drops the database whatever happened (the library's own tests, whose expectations fail on purpose).
    public func drop() {
        lock.withLock {
            finished = true
            controlConnection = nil
        }
        // FORCE: connections the code under test left open (a pool) would block the drop.
        _ = try? cluster.withAdmin { try $0.execute("DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(name)) WITH (FORCE)") }
    }

    /// Runs `body` with a fresh database as `TestDatabase.current`, then finishes it: passed when
    /// `body` returned and no expectation on the database failed.
    public static func with<T>(_ setup: DatabaseSetup = DatabaseSetup(), label: String = "test", captureOptions: CaptureOptions = CaptureOptions(),
                               logPlans: Bool = false, reporter: any ExpectationReporter, passed: @escaping () -> Bool = { true },
                               _ body: (TestDatabase) async throws -> T) async throws -> T {
        let database = try create(setup, label: label, captureOptions: captureOptions, logPlans: logPlans, reporter: reporter)
        do {
            let result = try await $current.withValue(database) { try await body(database) }
            database.finish(passed: passed())
            return result
        } catch {
            database.finish(passed: false)
            throw error
        }
    }
}
