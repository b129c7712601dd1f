import Foundation
import SargableCore

/// What one run of the `sargable` executable produced.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the `sargable` executable built beside this test bundle, as a user would.
enum Sargable {
    static let executable: URL = {
        // The test bundle lives in the build products folder, next to the executable.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sargable").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("sargable")
    }()

    static func run(_ arguments: [String], stdin: String? = nil, directory: URL? = nil,
                    environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        _ = ignoreBrokenPipes
        try process.run()
        // Both outputs drain while stdin is written: a child that prints before it has read all
        // its input would otherwise block on a full pipe while this side blocks writing to it.
        let stdout = WorkerThreads.start(stackBytes: 1 << 20) { output.fileHandleForReading.readDataToEndOfFile() }
        let stderr = WorkerThreads.start(stackBytes: 1 << 20) { errors.fileHandleForReading.readDataToEndOfFile() }
        // A child that exits without reading its input ends the write early; its status says why.
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let outputData = stdout.join(), errorData = stderr.join()
        process.waitForExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
                             stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// Writing to a child that has exited raises SIGPIPE, which would end the test process;
    /// ignored, the write fails with EPIPE instead.
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()
}

/// A temporary directory for files a test writes; removed when the test is done with it.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sargable-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
        return file
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
