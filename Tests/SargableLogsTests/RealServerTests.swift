import Foundation
import SargablePostgres
import Testing

/// The same checks as `WorkloadTests`, on logs written just now by a PostgreSQL 15 this suite
/// starts (TemporaryPostgres), logging to stderr, csvlog and jsonlog at once while
/// scripts/logs-workload.sh runs against it.
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
        ], createHypoPG: false))
        defer { server.stop() }
        let workload = Process()
        workload.executableURL = URL(fileURLWithPath: "/bin/sh")
        workload.arguments = [TestPaths.repository + "/scripts/logs-workload.sh"]
        workload.environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        try workload.run()
        workload.waitUntilExit()
        guard workload.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "logs-workload.sh failed"])
        }
        // The logging collector writes asynchronously: wait until the workload's last statement
        // is in all three files before the server (and its directory) goes away.
        let names = ["postgresql", "postgresql.csv", "postgresql.json"]
        let sources = names.map { server.dataDirectory + "/log/" + $0 }
        for _ in 0 ..< 300 {
            let complete = sources.allSatisfy { path in
                (try? String(contentsOfFile: path, encoding: .utf8))?.contains("SELEC id FROM users") == true
            }
            if complete { break }
            usleep(100_000)
        }
        let directory = NSTemporaryDirectory() + "sargable-real-server-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try zip(sources, ["app.log", "app.csv", "app.json"]).map { source, name in
            let copy = directory + "/" + name
            try FileManager.default.copyItem(atPath: source, toPath: copy)
            return copy
        }
    }

    @Test func executionsPerFingerprint() throws {
        for path in try Self.logs.get() { try WorkloadTests.checkExecutions(path) }
    }

    @Test func findings() throws {
        for path in try Self.logs.get() { try WorkloadTests.checkFindings(path) }
    }

    @Test func theThreeFormatsAgree() throws {
        let paths = try Self.logs.get()
        WorkloadTests.checkAgreement(paths)
        let report = analyze([paths[0]]).report
        #expect(report.summary.logLinePrefix == "%m [%p] %u@%d ")
        // Only the workload ran: its 73 statements (the samples add three of their export).
        #expect(report.summary.executions == 73)
    }
}
