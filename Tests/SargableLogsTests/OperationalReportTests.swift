import Foundation
import SargableLogs
import SargablePostgres
import Testing

/// The operational report on logs a PostgreSQL 15 writes during the test run, in stderr (with
/// `%e` in log_line_prefix), csvlog and jsonlog at once, while scripts/logs-operations.sh
/// provokes each event for real. Every format must give the same counts.
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct OperationalReportTests {
    static let prefix = "%m [%p] %e %q%u@%d %a "
    static let logs: Result<[String], any Error> = Result { try produceLogs() }

    static func produceLogs() throws -> [String] {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on",
            "log_destination": "stderr,csvlog,jsonlog",
            "log_directory": "log",
            "log_filename": "postgresql",
            "log_line_prefix": prefix,
            "log_min_duration_statement": "0",
            "log_connections": "on",
            "log_disconnections": "on",
            "log_lock_waits": "on",
            "deadlock_timeout": "100ms",
            "log_temp_files": "0",
            "log_checkpoints": "on",
            "log_autovacuum_min_duration": "0",
            "autovacuum_naptime": "1",
        ], createHypoPG: false))
        defer { server.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        try RealServerTests.shell(["/bin/sh", TestPaths.repository + "/scripts/logs-operations.sh"], environment: environment)
        return try server.collectedLogs(["postgresql", "postgresql.csv", "postgresql.json"],
                                        as: ["operations.log", "operations.csv", "operations.json"]) { text in
            // The last session's disconnection is written after its statement, sometimes a moment later.
            guard let done = text.range(of: "operations done") else { return false }
            return text[done.upperBound...].contains("disconnection: session time")
        }
    }

    static func reports() throws -> [WorkloadReport] {
        let paths = try logs.get()
        return paths.map { path in
            let settings = LogAnalysis.Settings(prefix: path.hasSuffix(".log") ? LogLinePrefix(prefix) : nil)
            return analyze([path], settings: settings).report
        }
    }

    @Test func errorsBySQLStateAndMessage() throws {
        for report in try Self.reports() {
            let errors = report.operations.errors
            let file = report.summary.files[0].path
            #expect(errors.total == 5, "\(file)")
            #expect(errors.withoutSQLState == 0, "\(file)")
            #expect(errors.bySeverity == [.init(name: "ERROR", count: 4), .init(name: "FATAL", count: 1)], "\(file)")
            #expect(errors.classes.map(\.code) == ["42", "23", "3D", "40"], "\(file)")
            #expect(errors.classes.first?.states == [.init(name: "42P01", count: 2)], "\(file)")
            let missing = try #require(errors.messages.first { $0.sqlState == "42P01" }, "\(file)")
            #expect(missing.count == 2 && missing.message == "relation \"…\" does not exist", "\(file)")
            #expect(missing.statement == "SELECT * FROM missing_table;", "\(file)")
            let duplicate = try #require(errors.messages.first { $0.sqlState == "23505" }, "\(file)")
            #expect(duplicate.detail == "Key (id)=(1) already exists.", "\(file)")
            #expect(duplicate.statement == "INSERT INTO accounts VALUES (1, 0);", "\(file)")
            let fatal = try #require(errors.messages.first { $0.sqlState == "3D000" }, "\(file)")
            #expect(fatal.severity == "FATAL" && fatal.statement == nil, "\(file)")
        }
    }

    @Test func lockWaitsAndDeadlocks() throws {
        for report in try Self.reports() {
            let file = report.summary.files[0].path
            let locks = report.operations.lockWaits
            // The waiter's wait, and both waits of the deadlock.
            #expect(locks.waits == 3 && locks.acquired == 2 && locks.deadlocked == 1 && locks.notAcquired == 0, "\(file)")
            #expect(locks.byMode == [.init(name: "ShareLock", count: 3)], "\(file)")
            #expect(locks.byObject.map(\.object) == ["relation accounts"] && locks.byObject.first?.count == 3, "\(file)")
            let waiter = try #require(locks.longest.first { $0.application == "waiter" }, "\(file)")
            #expect(waiter.statement == "UPDATE accounts SET balance = balance + 1 WHERE id = 1;", "\(file)")
            #expect(waiter.waitedMs > 100 && waiter.waitedMs < 5000 && waiter.heldBy.count == 1, "\(file)")
            #expect(waiter.object.hasPrefix("transaction "), "\(file)")

            let deadlocks = report.operations.deadlocks
            #expect(deadlocks.count == 1, "\(file)")
            let deadlock = try #require(deadlocks.deadlocks.first, "\(file)")
            #expect(deadlock.statement == "UPDATE accounts SET balance = 1 WHERE id = 1;", "\(file)")
            #expect(deadlock.waits.count == 2, "\(file)")
            // The cycle closes: each process is blocked by the other.
            #expect(Set(deadlock.waits.map(\.pid)) == Set(deadlock.waits.compactMap(\.blockedBy)), "\(file)")
            #expect(Set(deadlock.statements.map(\.statement)) == ["UPDATE accounts SET balance = 1 WHERE id = 1;",
                                                                  "UPDATE accounts SET balance = 0 WHERE id = 2"], "\(file)")
        }
    }

    @Test func temporaryFilesCheckpointsAndAutovacuum() throws {
        for report in try Self.reports() {
            let file = report.summary.files[0].path
            let temporary = report.operations.temporaryFiles
            #expect(temporary.count == 1 && temporary.withoutStatement == 0, "\(file)")
            #expect(temporary.maxBytes > 64 * 1024 && temporary.totalBytes == temporary.maxBytes, "\(file)")
            #expect(temporary.statements.map(\.query) == ["SELECT g FROM sorted ORDER BY g DESC"], "\(file)")

            let checkpoints = report.operations.checkpoints
            #expect(checkpoints.started == 1 && checkpoints.completed == 1, "\(file)")
            #expect(checkpoints.byCause == [.init(name: "requested", count: 1)], "\(file)")
            #expect(checkpoints.buffersWritten > 0 && checkpoints.totalSeconds >= checkpoints.writeSeconds, "\(file)")

            let churn = try #require(report.operations.maintenance.tables.first { $0.table == "postgres.public.churn" }, "\(file)")
            #expect(churn.vacuums == 1 && churn.analyzes == 1 && churn.tuplesRemoved == 1000, "\(file)")
        }
    }

    @Test func connectionsAndSessions() throws {
        let reports = try Self.reports()
        for report in reports {
            let file = report.summary.files[0].path
            let connections = report.operations.connections
            // setup, failing ×2 (one refused), holder, waiter, first, second, sorter, admin ×3.
            #expect(connections.received == 11 && connections.authorized == 11 && connections.disconnections == 10, "\(file)")
            #expect(connections.byApplication.first { $0.name == "admin" }?.count == 3, "\(file)")
            #expect(connections.byApplication.first { $0.name == "failing" }?.count == 2, "\(file)")
            #expect(connections.byDatabase == [.init(name: "postgres", count: 10), .init(name: "no_such_database", count: 1)], "\(file)")
            #expect(connections.byHost == [.init(name: "[local]", count: 11)], "\(file)")
            #expect(connections.sessionDurations.reduce(0) { $0 + $1.count } == 10, "\(file)")
            // The refused connection runs no statement; checkpointer and autovacuum are no sessions.
            #expect(report.summary.sessions == 10, "\(file)")
            #expect(connections.peakSessions?.sessions == 2, "\(file)")
        }
        // A message is one entry whether its DETAIL and STATEMENT are lines or fields.
        #expect(Set(reports.map(\.summary.entries)).count == 1, "\(reports.map(\.summary.entries))")
    }

    @Test func statementBreakdown() throws {
        for report in try Self.reports() {
            let file = report.summary.files[0].path
            let queries = report.operations.queries
            let types = Dictionary(uniqueKeysWithValues: queries.byType.map { ($0.name, $0.executions) })
            // UPDATEs: the holder's, the waiter's, both of "first", the one of "second" that ran.
            #expect(types["update"] == 5, "\(file)")
            #expect(types["insert"] == 3 && types["delete"] == 1, "\(file)")
            #expect(types["ddl"] == 5, "\(file)")
            #expect(queries.byType.first { $0.name == "select" }?.errors == 2, "\(file)")
            #expect(queries.byApplication.first { $0.name == "admin" }?.executions == 5, "\(file)")
            #expect(queries.byUser.map(\.name) == ["postgres"], "\(file)")
            #expect(queries.slowest.count == min(OperationalReport.QueryBreakdown.slowestKept, report.summary.executions), "\(file)")
            #expect(zip(queries.slowest, queries.slowest.dropFirst()).allSatisfy { $0.durationMs >= $1.durationMs }, "\(file)")
            #expect(queries.slowest.first?.user == "postgres", "\(file)")
            #expect(queries.perMinute?.reduce(0) { $0 + $1.executions } == report.summary.executions, "\(file)")
            #expect(queries.perHour.reduce(0) { $0 + $1.executions } == report.summary.executions, "\(file)")
        }
    }

    @Test func everyFormatShowsEverySection() throws {
        let log = try Self.logs.get()[0]
        let text = try SargableExecutable.run(["analyze", "--log-line-prefix", Self.prefix, log])
        #expect(text.status == 0)
        for line in ["Statements by type", "Slowest executions", "Errors: 5 (4 ERROR, 1 FATAL)",
                     "       2 × ERROR 42P01  relation \"…\" does not exist",
                     "           statement: SELECT * FROM missing_table;",
                     "Lock waits: 3 longer than deadlock_timeout (2 acquired, 1 ended in a deadlock)",
                     "Deadlocks: 1", "Temporary files: 1, ", "Checkpoints: 1 completed (requested 1)",
                     "  postgres.public.churn: 1 vacuum (", "1,000 tuples removed), 1 analyze",
                     "Connections: 11 authorized (11 received), 10 disconnections", "  by host: [local] 11"] {
            #expect(text.stdout.contains(line), "\(line)")
        }
        #expect(!text.stdout.contains("none in the log"))

        let html = try SargableExecutable.run(["analyze", "--format", "html", "--log-line-prefix", Self.prefix, log])
        for section in ["workload", "slowest", "errors", "locks", "temporary-files", "checkpoints", "autovacuum", "connections"] {
            #expect(html.stdout.contains("<section id=\"\(section)\"><details class=\"fold\" open>"), "\(section)")
        }
        #expect(html.stdout.contains("of 22 statements — <code>--top 0</code> for all"))

        let json = try SargableExecutable.run(["analyze", "--format", "json", "--log-line-prefix", Self.prefix, log])
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let operations = try #require(decoded?["operations"] as? [String: Any])
        #expect(Set(operations.keys) == ["errors", "lockWaits", "deadlocks", "temporaryFiles", "checkpoints", "maintenance",
                                         "connections", "queries"])
    }

    /// Shared reports keep the events' shape, never a value from the data.
    @Test func redactedReportsHideValues() throws {
        let log = try Self.logs.get()[1]
        let json = try SargableExecutable.run(["analyze", "--format", "json", "--redact-parameters", log]).stdout
        // JSON escapes the quotes.
        #expect(json.contains(#"relation \"…\" does not exist"#))
        #expect(!json.contains("Key (id)=(1)") && !json.contains(#"missing_table\" does not exist"#))
        #expect(!json.contains("balance = 0 WHERE id = 2") && !json.contains("VALUES (1, 0)"))
        #expect(json.contains("UPDATE accounts SET balance = $1 WHERE id = $2"))
    }
}

/// pgBadger's own statement-type counts for its fixture, against the types the parse trees give.
@Suite(.enabled(if: TestPaths.fixturesPresent, "../shared/logs/pgbadger-fixtures is absent"))
struct StatementTypeFixtureTests {
    @Test func typesAgreeWithPgBadger() throws {
        let expected = try String(contentsOfFile: TestPaths.fixture("stmt_type.expected.txt"), encoding: .utf8)
        var pgbadger: [String: Int] = [:]
        for line in expected.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            pgbadger[String(line[..<colon])] = Int(line[line.index(after: colon)...].split(separator: " ").first ?? "")
        }
        let report = analyze([TestPaths.fixture("stmt_type.log")]).report
        let types = Dictionary(uniqueKeysWithValues: report.operations.queries.byType.map { ($0.name, $0.executions) })
        for (ours, theirs) in [("select", "SELECT"), ("insert", "INSERT"), ("update", "UPDATE"), ("ddl", "DDL")] {
            #expect(types[ours] == pgbadger[theirs], "\(ours)")
        }
        // pgBadger counts a WITH … DELETE as CTE and has COPY, TCL and CURSOR types; here a
        // statement's type is its parse tree's root (the CTE is a DELETE), the rest are other.
        #expect(types["delete"] == pgbadger["DELETE"]! + pgbadger["CTE"]!)
        #expect(types["other"] == ["COPY FROM", "COPY TO", "TCL", "CURSOR"].reduce(0) { $0 + pgbadger[$1]! })
        #expect(report.summary.executions == pgbadger.values.reduce(0, +))
    }
}

struct StatStatementsTypeTests {
    /// An export has no sessions or times, but every row's calls still count under its type.
    @Test func exportsAreCountedByType() throws {
        let report = analyze([TestPaths.samples + "/app-pg_stat_statements.csv"]).report
        let byType = report.operations.queries.byType
        #expect(byType.reduce(0) { $0 + $1.executions } == report.summary.executions)
        #expect(abs(byType.reduce(0) { $0 + $1.totalMs } - report.queries.reduce(0) { $0 + $1.totalMs }) < 1e-6)
        #expect(byType.first { $0.name == "select" }.map { $0.executions > 0 } == true)
        #expect(report.operations.queries.perHour.isEmpty && report.summary.sessions == 0)
    }
}

/// The slowest executions on pgBadger's fixtures written by real servers over the extended
/// protocol (csvlog and stderr), whose statements log their bind parameters.
@Suite(.enabled(if: TestPaths.fixturesPresent, "../shared/logs/pgbadger-fixtures is absent"))
struct SlowestExecutionTests {
    @Test(arguments: ["anonymize.log", "postgresql_param_range.log", "multiline_param.log"])
    func slowestKeepTheirParameters(_ name: String) throws {
        let report = analyze([TestPaths.fixture(name)]).report
        let slowest = report.operations.queries.slowest
        #expect(slowest.count == min(OperationalReport.QueryBreakdown.slowestKept, report.summary.executions))
        #expect(slowest.first?.durationMs == report.queries.map(\.maxMs).max())
        #expect(zip(slowest, slowest.dropFirst()).allSatisfy { $0.durationMs >= $1.durationMs })
        let bound = try #require(slowest.first { $0.parameters != nil })
        #expect(bound.query.contains("$1") && bound.parameters?.hasPrefix("$1 = ") == true)
        #expect(bound.file == TestPaths.fixture(name))
    }
}
