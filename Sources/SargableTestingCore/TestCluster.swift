import Foundation
import SargablePostgres

/// The server test databases live on: one `TemporaryPostgres` per test process, started on first
/// use and shared by every suite, or the server `SARGABLE_TEST_DATABASE_URL` names.
public final class TestCluster: @unchecked Sendable {
    /// Names an existing server (a conninfo string or `postgresql://` URI, with a database to
    /// connect to for `CREATE DATABASE`) instead of starting one.
    public static let environmentVariable = "SARGABLE_TEST_DATABASE_URL"

    /// A throwaway server needs no crash safety, and writes the JSON log statements are captured from.
    /// Statements are logged per test database (`ALTER DATABASE … SET log_min_duration_statement`),
    /// so loading templates and creating databases stays out of the log.
    public static let serverSettings: [String: String] = [
        "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
        "logging_collector": "on", "log_destination": "jsonlog", "log_directory": "log",
        "log_filename": "postgresql", "log_rotation_age": "0", "log_rotation_size": "0",
        "log_file_mode": "0644", "log_min_duration_statement": "-1",
        // Parallel tests each hold a few connections (the code under test's pool, Sargable's own).
        "max_connections": "200",
    ]

    /// The shared cluster of this process (started once; a failure is remembered, not retried).
    public static func shared() throws -> TestCluster { try sharedCluster.get() }
    private static let sharedCluster: Result<TestCluster, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment[environmentVariable], !url.isEmpty {
            return try TestCluster(existing: url)
        }
        return try TestCluster(server: TemporaryPostgres.start(.init(settings: serverSettings)))
    }

    /// The server this process started, when it started one.
    public let server: TemporaryPostgres?
    /// libpq options of the maintenance connection (`dbname` is replaced per database).
    private let options: [String: String]
    /// The jsonlog file statements are read back from, when this process can read it.
    let logFile: String?
    /// Why statements cannot be captured on this server (`logFile` is nil).
    let logProblem: String?
    public let hasHypoPG: Bool
    private let lock = NSLock()
    private var templates: [String: Result<String, any Error>] = [:]

    init(server: TemporaryPostgres) throws {
        self.server = server
        options = try ConnectionString.parse(server.connectionString())
        logFile = server.dataDirectory + "/log/postgresql.json"
        logProblem = nil
        hasHypoPG = server.hasHypoPG
    }

    /// An existing server (what `SARGABLE_TEST_DATABASE_URL` names): test databases are created
    /// on it, and statements are captured from its jsonlog when this process can read that file.
    public init(existing url: String) throws {
        server = nil
        options = try ConnectionString.parse(url)
        let connection = try Connection(url, applicationName: TestDatabase.applicationName)
        let row = try connection.query("""
            SELECT current_setting('data_directory') AS data, pg_current_logfile('jsonlog') AS log,
                   EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg') AS hypopg
            """).rows.first
        hasHypoPG = row?.bool("hypopg") ?? false
        if let log = row?["log"], let data = row?["data"] {
            let path = log.hasPrefix("/") ? log : data + "/" + log
            logFile = FileManager.default.isReadableFile(atPath: path) ? path : nil
            logProblem = logFile == nil ? "the server's jsonlog \(path) is not readable by this process" : nil
        } else {
            logFile = nil
            logProblem = "the server at \(Self.environmentVariable) writes no jsonlog (set logging_collector = on and "
                + "log_destination = 'jsonlog' on a server on this machine)"
        }
    }

    /// A libpq conninfo string for `database` on this server.
    public func connectionString(database: String? = nil) -> String {
        var options = self.options
        if let database { options["dbname"] = database }
        return options.sorted { $0.key < $1.key }.map { "\($0.key)=\(ConnectionString.quote($0.value))" }.joined(separator: " ")
    }

    /// A `postgresql://` URI for `database`, for clients that take one (the socket directory
    /// goes in `host=`, as libpq and most drivers read it).
    public func url(database: String) -> String {
        func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
        }
        let host = options["host"] ?? "localhost"
        let user = options["user"].map { encoded($0) + "@" } ?? ""
        if host.hasPrefix("/") {
            return "postgresql://\(user)/\(encoded(database))?host=\(encoded(host))" + (options["port"].map { "&port=" + $0 } ?? "")
        }
        return "postgresql://\(user)\(host)\(options["port"].map { ":" + $0 } ?? "")/\(encoded(database))"
    }

    func adminConnection() throws -> Connection {
        try Connection(connectionString(), applicationName: TestDatabase.applicationName)
    }

    private let adminLock = NSLock()
    private var admin: Connection?

    /// Runs `body` on one kept maintenance connection (creating and dropping databases is
    /// serialised by the server's checkpoints anyway; a new connection each time costs more).
    func withAdmin<T>(_ body: (Connection) throws -> T) throws -> T {
        adminLock.lock()
        defer { adminLock.unlock() }
        if admin == nil || admin?.isBroken == true { admin = try adminConnection() }
        return try body(admin!)
    }

    /// The template database holding `setup`, loaded once per content (keyed by its hash), and
    /// reused across runs on a server that outlives them.
    func template(for setup: DatabaseSetup) throws -> String {
        let key = try setup.contentKey()
        lock.lock()
        defer { lock.unlock() }
        // Loading holds the lock: suites that need the same template wait for the first to load it.
        if let known = templates[key] { return try known.get() }
        let result = Result { try loadTemplate(setup, name: "sargable_template_" + key) }
        templates[key] = result
        return try result.get()
    }

    private func loadTemplate(_ setup: DatabaseSetup, name: String) throws -> String {
        let admin = try adminConnection()
        if try !admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty { return name }
        // Loaded under another name and renamed when complete: a half-loaded template (a failed
        // migration, a killed run) is never taken for a finished one.
        let loading = "\(name)_loading_\(UInt32.random(in: 0 ... .max))"
        try admin.execute("CREATE DATABASE \(Connection.quoteIdentifier(loading))")
        do {
            try load(setup, into: loading)
            try admin.execute("ALTER DATABASE \(Connection.quoteIdentifier(loading)) RENAME TO \(Connection.quoteIdentifier(name))")
        } catch {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(Connection.quoteIdentifier(loading)) WITH (FORCE)")
            // Another process finished the same template first.
            if (try? admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.isEmpty) == false { return name }
            throw error
        }
        return name
    }

    /// Its connection closes on return: a template must have no connections when it is copied.
    private func load(_ setup: DatabaseSetup, into database: String) throws {
        let connection = try Connection(connectionString(database: database), applicationName: TestDatabase.applicationName)
        if hasHypoPG { try connection.execute("CREATE EXTENSION IF NOT EXISTS hypopg") }
        for script in try setup.scripts() { try script.run(on: connection) }
        // Plans in tests should come from statistics, not from the planner's guesses for tables
        // it has never seen analyzed.
        try connection.execute("ANALYZE")
    }
}
