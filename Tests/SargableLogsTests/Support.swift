import Foundation
import SargableCore
import SargableLogs
import SargablePostgres
import SargableSyntax

/// Paths the tests read: the repository's samples and the shared pgBadger fixtures beside it.
enum TestPaths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let samples = repository + "/samples/logs"
    static let fixtures = repository + "/../shared/logs/pgbadger-fixtures"
    static var fixturesPresent: Bool { FileManager.default.fileExists(atPath: fixtures) }

    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    static func temporaryFile(_ name: String, contents: [UInt8]) throws -> String {
        let directory = NSTemporaryDirectory() + "sargable-logs-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        try Data(contents).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Runs a command-line tool and waits for it.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        try Subprocess(executable, arguments, output: .inherit, errors: .inherit).run().status
    }
}

func analyze(_ paths: [String], settings: LogAnalysis.Settings = LogAnalysis.Settings())
    -> (report: WorkloadReport, problems: [LogAnalysis.Problem]) {
    LargeStack.run { LogAnalysis.run(paths: paths, settings: settings) }
}

func fingerprint(_ sql: String) throws -> String { try PgQuery.fingerprint(sql).hex }

extension WorkloadReport {
    func calls(of sql: String) throws -> Int? {
        let key = try fingerprint(sql)
        return queries.first { $0.fingerprint == key }?.calls
    }
    func query(_ sql: String) throws -> QueryStatistics? {
        let key = try fingerprint(sql)
        return queries.first { $0.fingerprint == key }
    }
}

/// Runs the built `sargable` executable (it sits next to this test bundle) with a file as stdin.
enum SargableExecutable {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let url: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sargable").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("sargable")
    }()

    static func run(_ arguments: [String], stdinFile: String? = nil) throws -> Result {
        let result = try Subprocess(url.path, arguments, input: stdinFile.map { .file($0) } ?? .none).run()
        return Result(status: result.status, stdout: result.outputText, stderr: result.errorText)
    }
}

extension TemporaryPostgres {
    /// Copies the log files `logs` (names in the server's log directory) to `copies` in a new
    /// temporary directory once `isComplete` holds for each: the logging collector writes
    /// asynchronously, and the server's directory goes away with the server.
    func collectedLogs(_ logs: [String], as copies: [String], until isComplete: (String) -> Bool) throws -> [String] {
        let sources = logs.map { dataDirectory + "/log/" + $0 }
        _ = LiveLogFile.wait(for: sources, timeout: .seconds(30), every: .milliseconds(100)) {
            isComplete(String(decoding: $0, as: UTF8.self))
        }
        let directory = NSTemporaryDirectory() + "sargable-logs-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try zip(sources, copies).map { source, name in
            try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + name)
            return directory + "/" + name
        }
    }
}
