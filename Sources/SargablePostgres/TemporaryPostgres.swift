import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A throwaway PostgreSQL server for samples, tests and users' test suites.
///
/// `start()` runs `initdb` into a fresh temporary directory (as the `postgres` user when running
/// as root, since initdb refuses root), starts the server listening only on a Unix socket inside
/// that directory (no TCP), and creates `hypopg` when the extension is installed. `stop()` ends the
/// server and deletes the directory. A watchdog process does the same if this process ends
/// without calling `stop()` — normal exit, Ctrl-C, SIGTERM, even SIGKILL — because it waits for a
/// pipe only this process holds open.
public final class TemporaryPostgres: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Extra server settings written to `postgresql.conf` (`log_min_duration_statement`, …).
        public var settings: [String: String]
        /// Create `hypopg` in the initial database when the extension is installed.
        public var createHypoPG: Bool
        /// Start from this directory of server programs instead of looking for one.
        public var binaries: ServerBinaries?

        public init(settings: [String: String] = [:], createHypoPG: Bool = true, binaries: ServerBinaries? = nil) {
            self.settings = settings
            self.createHypoPG = createHypoPG
            self.binaries = binaries
        }
    }

    /// The temporary directory holding everything (data, socket, log).
    public let rootDirectory: String
    /// The cluster's data directory (`log_directory` is relative to it when logging_collector is on).
    public let dataDirectory: String
    /// The server's standard error output (`pg_ctl -l`): its log when logging_collector is off.
    public let serverLogFile: String
    /// The directory of the Unix socket (`host=` in libpq terms).
    public let socketDirectory: String
    public let port: Int
    public let user: String
    /// Wall-clock time from the call to `start` until the server accepted connections.
    public let startupDuration: Duration
    /// True when `hypopg` was created in the `postgres` database.
    public let hasHypoPG: Bool

    private let watchdogWriteEnd: Int32
    private let lock = NSLock()
    private var stopped = false
    /// The server programs this server runs.
    public let binaries: ServerBinaries

    /// True when server programs were found (tests that need a server use this to skip).
    public static var isAvailable: Bool { ServerBinaries.locate() != nil }

    public static func start(_ configuration: Configuration = Configuration()) throws(TemporaryPostgresError) -> TemporaryPostgres {
        try TemporaryPostgres(configuration)
    }

    private init(_ configuration: Configuration) throws(TemporaryPostgresError) {
        let clock = ContinuousClock()
        let began = clock.now
        guard let binaries = configuration.binaries ?? ServerBinaries.locate() else {
            throw TemporaryPostgresError(.serverProgramsMissing, "no PostgreSQL server programs found (looked in pg_config --bindir, "
                + "/usr/lib/postgresql/*/bin and PATH); install postgresql (Debian: postgresql-15)")
        }
        guard ServerBinaries.isExecutable(binaries.path("initdb")), ServerBinaries.isExecutable(binaries.path("pg_ctl")) else {
            throw TemporaryPostgresError(.serverProgramsMissing, "\(binaries.directory) has no initdb and pg_ctl")
        }
        self.binaries = binaries
        let runAs = Self.serverAccount()
        if geteuid() == 0 && runAs == nil {
            throw TemporaryPostgresError(.rootWithoutPostgresUser, "running as root needs a 'postgres' user to run initdb and the server as "
                + "(initdb refuses root); create one, or run as an ordinary user")
        }

        var template = Array("/tmp/sargable-pg-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TemporaryPostgresError(.system, "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        rootDirectory = String(cString: created)
        dataDirectory = rootDirectory + "/data"
        serverLogFile = rootDirectory + "/server.log"
        socketDirectory = rootDirectory
        port = 5432
        user = "postgres"
        // From here on the watchdog owns cleanup, whatever happens to this process.
        watchdogWriteEnd = try Self.startWatchdog(root: rootDirectory, data: dataDirectory)
        do throws(TemporaryPostgresError) {
            if let runAs, chown(rootDirectory, runAs.uid, runAs.gid) != 0 {
                throw TemporaryPostgresError(.system, "cannot give \(rootDirectory) to the postgres user: \(String(cString: strerror(errno)))")
            }
            try Self.runServerProgram(binaries.path("initdb"), [
                "--pgdata", dataDirectory, "--username", user, "--auth", "trust", "--encoding", "UTF8",
                "--locale", "C", "--no-sync", "--no-instructions",
            ], as: runAs, failure: .initdbFailed)
            var settings = [
                "listen_addresses": "",
                "unix_socket_directories": rootDirectory,
                "port": String(port),
                // A throwaway cluster never needs crash safety; these make loading data fast.
                "fsync": "off",
                "full_page_writes": "off",
            ]
            settings.merge(configuration.settings) { _, caller in caller }
            let lines = settings.sorted { $0.key < $1.key }.map { "\($0.key) = \(Self.quoteSetting($0.value))" }
            guard let conf = FileHandle(forWritingAtPath: dataDirectory + "/postgresql.conf") else {
                throw TemporaryPostgresError(.initdbFailed, "initdb wrote no \(dataDirectory)/postgresql.conf")
            }
            conf.seekToEndOfFile()
            conf.write(Data(("\n# sargable TemporaryPostgres\n" + lines.joined(separator: "\n") + "\n").utf8))
            try? conf.close()
            do throws(TemporaryPostgresError) {
                try Self.runServerProgram(binaries.path("pg_ctl"), [
                    "--pgdata", dataDirectory, "--log", serverLogFile, "--wait", "--silent", "start",
                ], as: runAs, failure: .startFailed)
            } catch {
                throw Self.startFailure(error, log: serverLogFile)
            }
            do throws(PostgresError) {
                hasHypoPG = try configuration.createHypoPG ? Self.createHypoPG(
                    "host=\(ConnectionString.quote(rootDirectory)) port=\(port) user=\(user) dbname=postgres") : false
            } catch {
                throw TemporaryPostgresError(.setupFailed, "the server started but \(error.description)")
            }
        } catch {
            Self.shutDown(data: dataDirectory, root: rootDirectory)
            close(watchdogWriteEnd)
            throw error
        }
        startupDuration = clock.now - began
    }

    deinit { stop() }

    /// Creates `hypopg` when the server has it; returns whether it did.
    private static func createHypoPG(_ conninfo: String) throws(PostgresError) -> Bool {
        let connection = try Connection(conninfo)
        guard try !connection.query("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'").rows.isEmpty else { return false }
        try connection.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        return true
    }

    /// A libpq conninfo string for a database of this server (`postgres` unless named).
    public func connectionString(database: String = "postgres") -> String {
        "host=\(ConnectionString.quote(socketDirectory)) port=\(port) user=\(user) dbname=\(ConnectionString.quote(database))"
    }

    /// Environment variables that point psql, pgbench, pg_dump … at a database of this server.
    public func environment(database: String = "postgres") -> [String: String] {
        ["PGHOST": socketDirectory, "PGPORT": String(port), "PGUSER": user, "PGDATABASE": database]
    }

    /// Creates an empty database (with `hypopg` when the server has it) and returns its conninfo.
    @discardableResult
    public func createDatabase(_ name: String) throws -> String {
        let admin = try Connection(connectionString())
        try admin.execute("CREATE DATABASE \(Connection.quoteIdentifier(name))")
        if hasHypoPG {
            try Connection(connectionString(database: name)).execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        }
        return connectionString(database: name)
    }

    /// Restarts the server, for settings that apply only at start (`shared_preload_libraries`,
    /// `max_connections`); sessions are ended, the data stays.
    public func restart() throws(TemporaryPostgresError) {
        do throws(TemporaryPostgresError) {
            try Self.runServerProgram(binaries.path("pg_ctl"), [
                "--pgdata", dataDirectory, "--log", serverLogFile, "--wait", "--silent", "--mode", "fast", "restart",
            ], as: Self.serverAccount(), failure: .startFailed)
        } catch {
            throw Self.startFailure(error, log: serverLogFile)
        }
    }

    /// pg_ctl only says to look at the log, which says why.
    private static func startFailure(_ error: TemporaryPostgresError, log path: String) -> TemporaryPostgresError {
        let log = lastLines(of: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        let reason = log.isEmpty ? error.message : withoutLogPrefixes(log.suffix(2)).joined(separator: "; ")
        return TemporaryPostgresError(.startFailed, "the server did not start: \(reason)", output: error.output + log)
    }

    /// Stops the server and deletes every file. Safe to call more than once.
    public func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        Self.shutDown(data: dataDirectory, root: rootDirectory)
        close(watchdogWriteEnd)
    }

    /// Immediate shutdown (nothing in a throwaway cluster needs a checkpoint), then delete.
    private static func shutDown(data: String, root: String) {
        if let pidText = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8),
           let pid = pidText.split(separator: "\n").first.flatMap({ Int32($0) }), pid > 0 {
            kill(pid, SIGQUIT)
            // The postmaster is not our child, so it cannot be waited for; poll until it is gone
            // (or a zombie nobody reaps, as under a container's minimal init).
            for _ in 0 ..< 500 where isRunning(pid) { usleep(10_000) }
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    private static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let paren = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: paren)...].first { $0 != " " }
        return state != "Z"
    }

    /// A shell that waits for end-of-file on a pipe whose only write end this process holds
    /// (close-on-exec, so no child inherits it). When this process ends for any reason the kernel
    /// closes it and the shell stops the server and deletes the directory. It ignores the
    /// terminal's SIGINT, which reaches the whole foreground process group on Ctrl-C.
    private static func startWatchdog(root: String, data: String) throws(TemporaryPostgresError) -> Int32 {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw TemporaryPostgresError(.system, "cannot create a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        let script = """
        trap '' INT TERM HUP
        cat >/dev/null
        pid=$(head -n 1 "$1/postmaster.pid" 2>/dev/null)
        if [ -n "$pid" ]; then
          kill -QUIT "$pid" 2>/dev/null
          i=0
          while [ $i -lt 100 ] && kill -0 "$pid" 2>/dev/null && ! grep -q '^[^)]*) Z' /proc/$pid/stat 2>/dev/null; do
            sleep 0.05; i=$((i+1))
          done
        fi
        rm -rf "$2"
        """
        do {
            try ProcessRunner.spawn("/bin/sh", ["-c", script, "sargable-pg-watchdog", data, root], standardInput: ends[0])
        } catch {
            close(ends[0])
            close(ends[1])
            throw error
        }
        close(ends[0])
        return ends[1]
    }

    struct Account {
        var uid: uid_t
        var gid: gid_t
    }

    /// The `postgres` account when running as root (initdb and the server refuse root), else nil.
    private static func serverAccount() -> Account? {
        guard geteuid() == 0 else { return nil }
        guard let entry = getpwnam("postgres") else { return nil }
        return Account(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    private static func runServerProgram(_ program: String, _ arguments: [String], as account: Account?,
                                         failure: TemporaryPostgresError.Kind) throws(TemporaryPostgresError) {
        let output: ProcessRunner.Output
        if account != nil {
            if ServerBinaries.isExecutable("/usr/sbin/runuser") || ServerBinaries.isExecutable("/sbin/runuser") {
                let runuser = ServerBinaries.isExecutable("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser"
                output = try ProcessRunner.run(runuser, ["-u", "postgres", "--", program] + arguments)
            } else {
                let command = ([program] + arguments).map(shellQuote).joined(separator: " ")
                output = try ProcessRunner.run("/bin/su", ["-s", "/bin/sh", "postgres", "-c", command])
            }
        } else {
            output = try ProcessRunner.run(program, arguments)
        }
        guard output.status == 0 else {
            let name = (program as NSString).lastPathComponent
            let lines = lastLines(of: output.text)
            throw TemporaryPostgresError(failure, "\(name) failed: \(reason(in: lines) ?? "exit status \(output.status)")", output: lines)
        }
    }

    /// Log lines from their severity word on (the prefix's time and pid say nothing here).
    private static func withoutLogPrefixes(_ lines: some Sequence<String>) -> [String] {
        lines.map { line in
            let severity = ["PANIC:", "FATAL:", "ERROR:", "WARNING:", "LOG:"].compactMap { line.range(of: $0)?.lowerBound }.min()
            return severity.map { String(line[$0...]) } ?? line
        }
    }

    /// The line that says why a program failed: the last error or FATAL line, else the last line.
    private static func reason(in lines: [String]) -> String? {
        lines.last { $0.contains("error") || $0.contains("FATAL") } ?? lines.last
    }

    /// The end of a program's output or a log, where the reason for a failure is.
    private static func lastLines(of text: String, count: Int = 10) -> [String] {
        text.split(whereSeparator: \.isNewline).suffix(count).map(String.init)
    }

    private static func shellQuote(_ text: String) -> String {
        "'" + text.replacing("'", with: "'\\''") + "'"
    }

    private static func quoteSetting(_ value: String) -> String {
        "'" + value.replacing("\\", with: "\\\\").replacing("'", with: "''") + "'"
    }
}

/// Why a throwaway server could not be started. `description` is one line; `output` holds the
/// last lines the failing program (or the server's log) printed.
public struct TemporaryPostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// No directory with initdb and pg_ctl was found, or the one given lacks them.
        case serverProgramsMissing
        /// Running as root, and there is no `postgres` account to run initdb and the server as.
        case rootWithoutPostgresUser
        case initdbFailed
        /// `pg_ctl start` failed or timed out: the server did not accept connections.
        case startFailed
        /// The server started, but connecting to it or creating `hypopg` failed.
        case setupFailed
        /// The system refused a temporary directory, a pipe, a file or a process.
        case system
    }

    public var kind: Kind
    public var message: String
    public var output: [String]
    public var description: String { message }

    init(_ kind: Kind, _ message: String, output: [String] = []) {
        self.kind = kind
        self.message = message
        self.output = output
    }
}
