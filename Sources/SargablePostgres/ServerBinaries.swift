import Foundation
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

/// Runs programs with posix_spawn and waitpid. (Foundation's Process on Linux can miss a child's
/// exit when several run at once from different threads, hanging in waitUntilExit.)
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
        let pid = try spawn(executable, arguments, standardInput: nil, outputPath: outputPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Output(status: exitStatus, text: String(decoding: data, as: UTF8.self))
    }

    /// Starts `executable` with `standardInput` (or /dev/null) and its output appended to
    /// `outputPath` (or /dev/null). Every other descriptor is closed in the child, so no pipe of
    /// another thread stays open in it (its reader would never see end-of-file).
    static func spawn(_ executable: String, _ arguments: [String], standardInput: Int32?,
                      outputPath: String?) throws(TemporaryPostgresError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeOtherDescriptors(&actions)
        let cArguments = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let status = posix_spawn(&pid, executable, &actions, nil, cArguments, environ)
        guard status == 0 else {
            throw TemporaryPostgresError(.system, "cannot run \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static func closeOtherDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        // glibc 2.34+ has closefrom for spawn; the Glibc module does not export it, so look it up.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            let closeFrom = unsafeBitCast(symbol, to: CloseFrom.self)
            if closeFrom(&actions, 3) == 0 { return }
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }
}
