import Foundation
import SargableCore
import SargablePostgres
import Testing

/// The same checks as `WorkloadTests`, on logs written just now by a PostgreSQL 15 this suite
/// starts (TemporaryPostgres), logging to stderr, csvlog and jsonlog at once while
/// scripts/logs-workload.sh runs against it, plus its pg_stat_statements export.
/// With SARGABLE_REGENERATE_SAMPLES=1 the files replace samples/logs (scripts/generate-sample-logs.sh).
@Suite(.enabled(if: TemporaryPostgres.isAvailable, "no PostgreSQL server programs installed"))
struct RealServerTests {
    static let logs: Result<[String], any Error> = Result { try produceLogs() }

    static func produceLogs() throws -> [String] {
        let server = try TemporaryPostgres.start(TemporaryPostgres.Configuration(settings: [
            "logging_collector": "on",
            "log_destination": "stderr,csvlog,jsonlog",
            "log_directory": "log",
            "log_filename": "postgresql",
            "log_min_duration_statement": "0",
            "log_line_prefix": "%m [%p] %q%u@%d ",
            "log_connections": "on",
            "log_disconnections": "on",
            "shared_preload_libraries": "pg_stat_statements",
        ], createHypoPG: false))
        defer { server.stop() }
        let environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        try shell(["/bin/sh", TestPaths.repository + "/scripts/logs-workload.sh"], environment: environment)
        // The workload's last statement marks all three files complete.
        var files = try server.collectedLogs(["postgresql", "postgresql.csv", "postgresql.json"],
                                             as: ["app.log", "app.csv", "app.json"]) { $0.contains("SELEC id FROM users") }
        let directory = (files[0] as NSString).deletingLastPathComponent
        // The same workload as pg_stat_statements saw it, as CSV and JSON; the export's own
        // statements stay out of the logs.
        var quiet = environment
        quiet["PGOPTIONS"] = "-c log_min_duration_statement=-1"
        let select = "SELECT queryid, query, calls, total_exec_time, mean_exec_time, max_exec_time, rows "
            + "FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY queryid"
        for (name, command) in [
            ("", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"),
            ("app-pg_stat_statements.csv", "COPY (\(select)) TO STDOUT WITH (FORMAT csv, HEADER)"),
            ("app-pg_stat_statements.json", "SELECT json_agg(s) FROM (\(select)) AS s"),
        ] {
            let output = name.isEmpty ? "/dev/null" : directory + "/" + name
            try shell(["/bin/sh", "-c", "psql -X -q -At -v ON_ERROR_STOP=1 -c \"$1\" > \"$2\"", "sh", command, output],
                      environment: quiet)
            if !name.isEmpty { files.append(output) }
        }
        if ProcessInfo.processInfo.environment["SARGABLE_REGENERATE_SAMPLES"] == "1" {
            for file in files {
                let target = TestPaths.samples + "/" + (file as NSString).lastPathComponent
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: file, toPath: target)
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target)
            }
        }
        return files
    }

    static func shell(_ arguments: [String], environment: [String: String]) throws {
        let result = try Subprocess(arguments[0], Array(arguments.dropFirst()), environment: environment,
                                    output: .inherit, errors: .inherit).run()
        guard result.status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(arguments) failed"])
        }
    }

    @Test func executionsPerFingerprint() throws {
        for path in try Self.logs.get().prefix(3) { try WorkloadTests.checkExecutions(path) }
    }

    @Test func findings() throws {
        for path in try Self.logs.get().prefix(3) { try WorkloadTests.checkFindings(path) }
    }

    @Test func statStatementsExports() throws {
        for path in try Self.logs.get().suffix(2) { try WorkloadTests.checkStatStatements(path) }
    }

    @Test func theThreeFormatsAgree() throws {
        let paths = Array(try Self.logs.get().prefix(3))
        WorkloadTests.checkAgreement(paths)
        let report = analyze([paths[0]]).report
        #expect(report.summary.logLinePrefix == "%m [%p] %u@%d ")
        // Only the workload ran: its 73 statements (the samples add three of their export).
        #expect(report.summary.executions == 73)
    }
}
