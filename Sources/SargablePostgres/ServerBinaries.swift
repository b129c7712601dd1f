import Foundation
import SargableCore
#if canImport(Glibc)
import Glibc
#endif

/// Where the PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`) live.
public struct ServerBinaries: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    public func path(_ program: String) -> String { directory + "/" + program }

    /// The major version of these programs, from `pg_ctl --version` ("pg_ctl (PostgreSQL) 15.18 …").
    public var majorVersion: Int? {
        guard let output = try? ProcessRunner.run(path("pg_ctl"), ["--version"]), output.status == 0,
              let product = output.text.range(of: "(PostgreSQL) ") else { return nil }
        return Int(output.text[product.upperBound...].prefix { $0.isNumber })
    }

    /// Looks in `pg_config --bindir`, then `/usr/lib/postgresql/<newest>/bin` (Debian keeps the server
    /// programs off PATH), then every PATH entry. Nil when no directory has both initdb and pg_ctl.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) -> ServerBinaries? {
        let path = environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        var candidates: [String] = []
        if let pgConfig = (path.map { $0 + "/pg_config" }).first(where: isExecutable),
           let output = try? ProcessRunner.run(pgConfig, ["--bindir"]), output.status == 0 {
            candidates.append(output.text.trimmed(of: " \n"))
        }
        let debianRoot = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        candidates += versions.map { "\(debianRoot)/\($0)/bin" }
        candidates += path
        for directory in candidates where isExecutable(directory + "/initdb") && isExecutable(directory + "/pg_ctl") {
            return ServerBinaries(directory: directory)
        }
        return nil
    }

    static func isExecutable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }
}

/// Runs the server's programs (`Subprocess`), their output captured in a temporary file rather
/// than a pipe: a daemon one of them leaves behind (pg_ctl's server) could inherit a pipe and
/// keep it open past the program's exit.
enum ProcessRunner {
    struct Output {
        var status: Int32
        /// Standard output and standard error, interleaved.
        var text: String
    }

    /// Runs `executable` to completion with its output captured in a temporary file.
    static func run(_ executable: String, _ arguments: [String]) throws(TemporaryPostgresError) -> Output {
        var template = Array("/tmp/sargable-output-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw TemporaryPostgresError(.system, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        let outputPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        close(fd)
        defer { unlink(outputPath) }
        let result: Subprocess.Result
        do {
            result = try Subprocess(executable, arguments, output: .file(outputPath), errors: .standardOutput).run()
        } catch {
            throw TemporaryPostgresError(.system, error.message)
        }
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Output(status: result.status, text: String(decoding: data, as: UTF8.self))
    }

    /// Starts `executable` reading `standardInput`, its output discarded; not waited for.
    static func spawn(_ executable: String, _ arguments: [String], standardInput: Int32) throws(TemporaryPostgresError) {
        do {
            _ = try Subprocess(executable, arguments, input: .descriptor(standardInput), output: .discard, errors: .discard).start()
        } catch {
            throw TemporaryPostgresError(.system, error.message)
        }
    }
}
