import Foundation
import SargableCore

/// What one run of the `sargable` executable produced.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

extension CommandResult {
    init(_ result: Subprocess.Result) {
        self.init(status: result.status, stdout: result.outputText, stderr: result.errorText)
    }
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
        let result = try Subprocess(executable.path, arguments, environment: Subprocess.environment(merging: environment),
                                    directory: directory?.path, input: .bytes(Array((stdin ?? "").utf8))).run()
        return CommandResult(result)
    }
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
