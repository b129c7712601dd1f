import Foundation
import SargableCore
import SargablePostgres
import Testing

/// What happens around the statements `explain`, `lint --database` and `database run` send: Ctrl-C,
/// locks held by others, COPY data, files that do not parse, inputs that cannot be read.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct ServerSessionTests {
    static let server: Result<TemporaryPostgres, Error> = Result { try TemporaryPostgres.start(.init(createHypoPG: false)) }

    /// A database of its own per test, so one test's locks never block another's.
    static func freshDatabase(_ prefix: String) throws -> (conninfo: String, connection: Connection) {
        let conninfo = try server.get().createDatabase("\(prefix)_\(UUID().uuidString.prefix(8).lowercased())")
        return (conninfo, try Connection(conninfo))
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalCancelsTheRunningStatementAndRollsBack(_ signalNumber: Int32) throws {
        let (conninfo, observer) = try Self.freshDatabase("interrupt")
        try observer.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL); INSERT INTO accounts VALUES (1, 100)")
        // The row is locked from the UPDATE until the transaction ends; the sleep keeps it running.
        let update = "UPDATE accounts SET balance = balance - 10 WHERE id = 1 RETURNING pg_sleep(30)"
        let process = try Subprocess(Sargable.executable.path, ["explain", "--database", conninfo, "--analyze", "--analyze-writes", update],
                                     output: .discard).start()
        let running = "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()"
        var sawIt = false
        // Polls until the statement runs (or the command ended early, which fails below).
        for _ in 0 ..< 1500 where process.isRunning {
            if try observer.query(running).rows.first?.int("n") == 1 {
                sawIt = true
                break
            }
            usleep(20_000)
        }
        #expect(sawIt)
        process.send(signalNumber)
        let result = process.wait()
        let stderr = result.errorText
        #expect(result.signal == nil)
        #expect(result.status == 130)
        #expect(stderr.hasSuffix("sargable: error: interrupted; the running statement was cancelled and rolled back\n"), "\(stderr)")
        #expect(try observer.query(running).rows.first?.int("n") == 0)
        // Nothing holds the row any more, and the update was not kept.
        let locked = try observer.query("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE NOWAIT")
        #expect(locked.rows.first?.int("balance") == 100)
        let locks = try observer.query("""
            SELECT count(*) AS n FROM pg_locks WHERE relation = 'accounts'::regclass AND pid <> pg_backend_pid()
            """)
        #expect(locks.rows.first?.int("n") == 0)
    }

    @Test func lintWaitsForALockedTableOnlyUntilTheLockTimeout() throws {
        let (conninfo, holder) = try Self.freshDatabase("lint_lock")
        try holder.execute("CREATE TABLE migrating (id int)")
        try holder.execute("BEGIN; LOCK TABLE migrating IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? holder.execute("ROLLBACK") }
        let result = try Sargable.run(["lint", "--database", conninfo, "--lock-timeout", "300ms", "-"], stdin: "SELECT 1;\n")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("sargable: error: cannot read the catalog of "))
        #expect(result.stderr.hasSuffix(": statement waited longer than lock_timeout (300 ms) for a lock and was cancelled\n"),
                "\(result.stderr)")
    }

    @Test func databaseRunLoadsCopyDataAsPgDumpWritesIt() throws {
        let directory = try TemporaryDirectory()
        let dump = try directory.write("dump.sql", """
            CREATE TABLE items (id int PRIMARY KEY, name text);
            COPY public.items (id, name) FROM stdin;
            1\tfirst
            2\t\\N
            3\tthird; not a statement
            \\.

            CREATE INDEX items_name_idx ON items (name);
            """)
        let result = try Sargable.run(["database", "run", "--load", dump.path, "--",
                                       "psql", "-XAtc", "SELECT count(*), count(name), max(name) FROM items"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "3|2|third; not a statement\n")
    }

    @Test func databaseRunRefusesAFileThatDoesNotParseBeforeLoadingAnything() throws {
        let directory = try TemporaryDirectory()
        try directory.write("1_good.sql", "CREATE TABLE first (id int);\n")
        let broken = try directory.write("2_broken.sql", "CREATE TABLE second (id int);\nSELECT 1 +;\nCREATE TABLE third (id int);\n")
        let result = try Sargable.run(["database", "run", "--load", directory.url.path, "--", "true"])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("sargable: error: \(broken.path):2:") == true, "\(result.stderr)")
        #expect(lines.first?.contains("syntax error") == true)
        #expect(lines.last == "sargable: error: nothing was loaded: fix the file(s) above first")
        // Refused before a server was started, so nothing from either file ran.
        #expect(!result.stderr.contains("throwaway PostgreSQL ready"))
    }

    /// Code scanning drops results without a location: a live catalog's finding on a table the
    /// linted files only query is a result at the statement that names the table.
    @Test func sarifPlacesADatabaseFindingInTheLintedFiles() throws {
        let (conninfo, connection) = try Self.freshDatabase("sarif")
        try connection.execute("CREATE TABLE events (id bigint, payload text)")
        let directory = try TemporaryDirectory()
        try directory.write("q.sql", "SELECT 1;\nSELECT payload FROM events WHERE id = 1;\n")
        #expect(try shell("git init -q", in: directory.url).status == 0)
        let result = try Sargable.run(["lint", "--database", conninfo, "--format", "sarif", "q.sql"], directory: directory.url)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        let missingKey = try #require(results.first { $0["ruleId"] as? String == "missing-primary-key" }, "\(result.stdout)")
        let location = try #require((missingKey["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect(location["artifactLocation"] as? [String: String] == ["uri": "q.sql", "uriBaseId": "%SRCROOT%"])
        #expect((location["region"] as? [String: Int])?["startLine"] == 2)
        let notifications = ((run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]]) ?? []
        #expect(!notifications.contains { (($0["message"] as? [String: Any])?["text"] as? String)?.hasPrefix("missing-primary-key") == true })
    }

    @Test func aSyntaxErrorInALoadedFileHasItsLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("bad.sql", "CREATE TABLE a (id int);\n\nSELECT 1;\n  CREATE TABLE b (id int,, x int);\n")
        let result = try Sargable.run(["database", "run", "--load", file.path, "--", "true"])
        #expect(result.status == 2)
        // The second comma: line 4, column 26 (after two spaces of indent).
        #expect(result.stderr.hasPrefix("sargable: error: \(file.path):4:26: syntax error at or near \",\"\n"), "\(result.stderr)")
    }

    @Test func aStatementTheServerRefusesPointsAtTheCulprit() throws {
        let directory = try TemporaryDirectory()
        // `é` is two bytes and one character: the server counts characters, columns count characters.
        let file = try directory.write("data.sql", "CREATE TABLE a (id int, note text);\n  INSERT INTO a VALUES (1, 'é'), (nope, 'x');\n")
        let result = try Sargable.run(["database", "run", "--load", file.path, "--", "true"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("sargable: error: \(file.path):2:35: column \"nope\" does not exist (SQLSTATE 42703)"),
                "\(result.stderr)")
    }

    @Test(arguments: [
        ("work_mem=banana", #"--set work_mem=banana: invalid value for parameter "work_mem": "banana""#),
        ("No_Such_Setting=1", #"--set No_Such_Setting=1: unrecognized configuration parameter "No_Such_Setting""#),
        ("shared_buffers=1", #"--set shared_buffers=1: 1 8kB is outside the valid range for parameter "shared_buffers" (16 .. 1073741823)"#),
    ])
    func aSettingTheServerRefusesIsNamedInOneLine(_ setting: String, _ message: String) throws {
        let result = try Sargable.run(["database", "run", "--set", setting, "--", "true"])
        #expect(result.status == 2)
        #expect(result.stderr == "sargable: error: \(message)\n")
    }

    @Test func explainRefusesExtraParameterValues() throws {
        let (conninfo, _) = try Self.freshDatabase("params")
        let result = try Sargable.run(["explain", "--database", conninfo, "--param", "1", "--param", "2",
                                       "SELECT $1::int + 1 AS next"])
        #expect(result.status == 2)
        #expect(result.stderr == "sargable: error: <argument>:1:1: the statement uses $1 but 2 parameter value(s) were given\n")
    }

    @Test func explainWithUnreadableStandardInputStopsBeforeConnecting() throws {
        // Standard input closed (`<&-`): one error for it, and no attempt to reach the server.
        let result = try Subprocess("/bin/sh", ["-c", "exec \"$0\" explain --database postgresql://bob@127.0.0.1:1/app - <&-",
                                                Sargable.executable.path]).run()
        let stderr = result.errorText
        #expect(result.status == 2)
        #expect(stderr.hasPrefix("sargable: error: cannot read '<stdin>': "), "\(stderr)")
        #expect(stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test(arguments: ["99999999999999999min", "3000000s", "-1s"])
    func aTimeoutBeyondPostgreSQLsRangeIsAUsageError(_ value: String) throws {
        let result = try Sargable.run(["lint", "--database", "", "--statement-timeout", value, "-"], stdin: "SELECT 1;\n")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--statement-timeout"), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }
}
