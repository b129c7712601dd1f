import Foundation
import SargableLogs
import SargablePostgres
import SargableSyntax
import Testing

/// Password literals, found by libpg_query, never reach a report.
struct RedactionTests {
    @Test(arguments: [
        ("ALTER ROLE bob WITH ENCRYPTED PASSWORD 'hunter2'", "ALTER ROLE bob WITH ENCRYPTED PASSWORD '********'"),
        ("CREATE ROLE bob LOGIN PASSWORD E'hun\\'ter2' VALID UNTIL 'infinity'",
         "CREATE ROLE bob LOGIN PASSWORD '********' VALID UNTIL 'infinity'"),
        ("ALTER USER bob PASSWORD /* new */ $$hunter2$$", "ALTER USER bob PASSWORD /* new */ '********'"),
        ("CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', \"password\" 'hunter2')",
         "CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob', \"password\" '********')"),
        ("ALTER USER MAPPING FOR bob SERVER s OPTIONS (SET password 'hunter2')",
         "ALTER USER MAPPING FOR bob SERVER s OPTIONS (SET password '********')"),
        ("ALTER SERVER s OPTIONS (ADD password 'hunter2', host 'db')", "ALTER SERVER s OPTIONS (ADD password '********', host 'db')"),
        ("SELECT dblink_connect('c', 'host=db password=hunter2')", "SELECT dblink_connect('c', '********')"),
        ("SELECT * FROM dblink('postgresql://bob:hunter2@db/app', 'SELECT 1') AS t(x int)",
         "SELECT * FROM dblink('********', 'SELECT 1') AS t(x int)"),
        ("CREATE SUBSCRIPTION s CONNECTION 'host=db password=hunter2' PUBLICATION p",
         "CREATE SUBSCRIPTION s CONNECTION '********' PUBLICATION p"),
        // Does not parse: the scanner's tokens.
        ("ALTER ROLE bob PASSWORD 'hunter2' ,,", "ALTER ROLE bob PASSWORD '********' ,,"),
        ("CREATE USER MAPPING FOR bob SERVER s OPTIONS (password = 'hunter2'", "CREATE USER MAPPING FOR bob SERVER s OPTIONS (password = '********'"),
        ("SELEC dblink_connect('host=db password=hunter2')", "SELEC dblink_connect('********')"),
        // Cut short in the log: the unterminated literal is the rest of the text.
        ("ALTER ROLE bob PASSWORD 'hunter2", "ALTER ROLE bob PASSWORD '********'"),
    ])
    func passwordsAreHidden(sql: String, expected: String) {
        #expect(Redaction.hidingPasswords(in: sql) == expected)
    }

    @Test(arguments: [
        "SELECT * FROM users WHERE email = 'a@b.c'",
        "ALTER ROLE bob PASSWORD NULL",
        "SELECT 'password' AS word",
        "SELEC 'not secret' FROM t",
    ])
    func otherTextIsKeptByteForByte(sql: String) {
        #expect(Redaction.hidingPasswords(in: sql) == sql)
    }

    @Test(arguments: [
        ("SELECT * FROM users WHERE email = 'a@b.c' AND id = 42", "SELECT * FROM users WHERE email = $1 AND id = $2"),
        ("SELECT * FROM t WHERE a = $1 AND b = 'x'", "SELECT * FROM t WHERE a = $1 AND b = $2"),
        ("COMMENT ON TABLE t IS 'internal note'", "COMMENT ON TABLE t IS $1"),
        ("SELEC id FROM users WHERE email = 'a@b.c' LIMIT 10", "SELEC id FROM users WHERE email = $1 LIMIT $2"),
        ("SELECT 'cut", "SELECT $1"),
    ])
    func everyConstantIsHiddenOnRequest(sql: String, expected: String) {
        #expect(Redaction.hidingLiterals(in: sql) == expected)
    }
}

/// The same on a log a real server wrote: a password change, a user mapping, a statement that does
/// not parse, and a prepared statement with bind values, read in every log format and reported in
/// every output format.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct RealServerRedactionTests {
    static let secrets = ["rolesecret-4711", "mappingsecret-4712", "brokensecret-4713", "bindsecret-4714"]
    /// Constants of the workload that `--redact-parameters` must hide too.
    static let constants = ["literal-4715", "4716081542"]

    static let logs: Result<[String], any Error> = Result { try produceLogs() }

    static func produceLogs() throws -> [String] {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on",
            "log_destination": "stderr,csvlog,jsonlog",
            "log_directory": "log",
            "log_filename": "postgresql",
            "log_statement": "all",
            "log_min_duration_statement": "0",
            "log_line_prefix": "%m [%p] %q%u@%d ",
        ], createHypoPG: false))
        defer { server.stop() }
        // psql and pgbench as separate processes, like RealServerTests: clients as users run them.
        let environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        func psql(_ sql: String, mustSucceed: Bool = true) throws {
            let command = "psql -X -q -v ON_ERROR_STOP=1 -c \"$1\" > /dev/null 2>&1" + (mustSucceed ? "" : " || true")
            try RealServerTests.shell(["/bin/sh", "-c", command, "sh", sql], environment: environment)
        }
        for sql in [
            "CREATE ROLE app LOGIN",
            "ALTER ROLE app PASSWORD 'rolesecret-4711'",
            "CREATE FOREIGN DATA WRAPPER fake",
            "CREATE SERVER remote FOREIGN DATA WRAPPER fake",
            "CREATE USER MAPPING FOR app SERVER remote OPTIONS (user 'app', password 'mappingsecret-4712')",
            "CREATE TABLE notes (id int, body text)",
        ] {
            try psql(sql)
        }
        // Rejected by the parser: logged as ERROR with its STATEMENT.
        try psql("ALTER ROLE app PASSWORD 'brokensecret-4713' ,,", mustSucceed: false)
        // pgbench's extended protocol sends :secret as a bind value, logged as `DETAIL:  parameters:`.
        let script = NSTemporaryDirectory() + "sargable-bind-\(UUID().uuidString).sql"
        try "SELECT id FROM notes WHERE body = :secret OR body = 'literal-4715' OR id = 4716081542;\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        try RealServerTests.shell(["/bin/sh", "-c", "pgbench -n -M extended -c 1 -t 3 -D secret=bindsecret-4714 -f \"$1\" > /dev/null",
                                   "sh", script], environment: environment)
        try psql("SELECT 'workload done'")
        return try server.collectedLogs(["postgresql", "postgresql.csv", "postgresql.json"],
                                        as: ["secrets.log", "secrets.csv", "secrets.json"]) { $0.contains("workload done") }
    }

    @Test func theLogsHoldTheSecrets() throws {
        // Otherwise the tests below would prove nothing.
        for path in try Self.logs.get() {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for secret in Self.secrets + Self.constants { #expect(text.contains(secret), "\(path): \(secret)") }
        }
    }

    @Test(arguments: ["text", "json", "html"])
    func noPasswordInAnyOutput(format: String) throws {
        for path in try Self.logs.get() {
            let result = try SargableExecutable.run(["analyze", "--top", "0", "--format", format, path])
            #expect(result.status == 0, "\(path): \(result.stderr)")
            for secret in Self.secrets.prefix(3) {
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(format) of \(path): \(secret)")
            }
            // The statements are still there, with the password hidden.
            #expect(result.stdout.contains("'********'"), "\(format) of \(path)")
        }
    }

    @Test func bindValuesStayByDefault() throws {
        let path = try Self.logs.get()[0]
        let result = try SargableExecutable.run(["analyze", "--top", "0", "--format", "json", path])
        #expect(result.stdout.contains("bindsecret-4714"))
        #expect(result.stdout.contains("literal-4715"))
    }

    @Test(arguments: ["text", "json", "html"])
    func redactParametersLeavesNoConstantOrBindValue(format: String) throws {
        for path in try Self.logs.get() {
            let result = try SargableExecutable.run(["analyze", "--redact-parameters", "--top", "0", "--format", format, path])
            #expect(result.status == 0, "\(path): \(result.stderr)")
            for secret in Self.secrets + Self.constants {
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(format) of \(path): \(secret)")
            }
            #expect(result.stdout.contains("body = $1 OR body = $2 OR id = $3"), "\(format) of \(path)")
        }
    }

    @Test func aLogThatCannotBeReadQuotesItsFirstLineWithoutThePassword() throws {
        // Only the statement lines, without their prefix: nothing matches, and the error quotes the first line.
        let text = try String(contentsOfFile: try Self.logs.get()[0], encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("rolesecret-4711") })
        let message = try #require(line.range(of: "LOG:  ").map { line[$0.lowerBound...] })
        let path = try TestPaths.temporaryFile("bare.log", contents: Array((message + "\n").utf8))
        let result = try SargableExecutable.run(["analyze", "--log-line-prefix", "%m [%p] ", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("ALTER ROLE app PASSWORD '********'"))
        #expect(!result.stderr.contains("rolesecret-4711"))
    }
}
