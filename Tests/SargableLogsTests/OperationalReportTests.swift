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
                                        as: ["operations.log", "operations.csv", "operations.json"]) { $0.contains("operations done") }
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
}
