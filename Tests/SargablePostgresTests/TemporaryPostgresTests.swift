import Foundation
import SargableCore
import SargablePostgres
import Testing

@Suite(.enabled(if: TemporaryPostgres.isAvailable, "needs PostgreSQL server programs (Debian: postgresql-15)"))
struct TemporaryPostgresTests {
    @Test func startsOnAPrivateSocketAndDeletesEverythingOnStop() throws {
        let server = try TemporaryPostgres.start(.init(settings: [
            "log_min_duration_statement": "0",
            "log_line_prefix": "%m [%p] it's \\ ",
        ]))
        let root = server.rootDirectory
        #expect(FileManager.default.fileExists(atPath: server.dataDirectory + "/PG_VERSION"))
        let pidFile = try String(contentsOfFile: server.dataDirectory + "/postmaster.pid", encoding: .utf8)
        let pid = try #require(pidFile.split(separator: "\n").first.flatMap { Int32($0) })
        let connection = try Connection(server.connectionString())
        let settings = try connection.query("""
            SELECT current_setting('listen_addresses') AS listen,
                   current_setting('log_min_duration_statement') AS logged,
                   current_setting('log_line_prefix') AS prefix,
                   current_setting('data_directory') AS data
            """)
        #expect(settings.rows.first?["listen"] == "")
        #expect(settings.rows.first?["logged"] == "0")
        #expect(settings.rows.first?["prefix"] == "%m [%p] it's \\ ")
        #expect(settings.rows.first?["data"] == server.dataDirectory)
        #expect(connection.serverVersion >= 150000)
        if server.hasHypoPG {
            let hypopg = try connection.query("SELECT extname FROM pg_extension WHERE extname = 'hypopg'")
            #expect(hypopg.rows.count == 1)
        }
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: root))
        let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        #expect(kill(pid, 0) != 0 || stat?.contains(") Z") == true, "the postmaster is still running")
        #expect(throws: PostgresError.self) { try Connection(server.connectionString()) }
        server.stop()  // a second stop is harmless
    }

    static let psql = ["/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: psql != nil, "needs psql (Debian: postgresql-client)"))
    func psqlReachesItThroughTheEnvironment() throws {
        let server = try TestServer.server()
        let result = try Subprocess(try #require(Self.psql), ["-XAtc", "SELECT 40 + 2"], environment: server.environment()).run()
        let text = result.outputText
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "42")
    }

    /// A directory the `postgres` account can read (initdb runs as it under root).
    private func scratchDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "/sargable-bin-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        return path
    }

    @Test func aDirectoryWithoutServerProgramsSaysSo() throws {
        let empty = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let error = #expect(throws: TemporaryPostgresError.self) {
            try TemporaryPostgres.start(.init(binaries: ServerBinaries(directory: empty)))
        }
        #expect(error?.kind == .serverProgramsMissing)
        #expect(error?.description == "\(empty) has no initdb and pg_ctl")
    }

    @Test func initdbFailureCarriesItsReason() throws {
        // The real initdb, alone in a directory: it fails because it needs the postgres program next to it.
        let real = try #require(ServerBinaries.locate())
        let lonely = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: lonely) }
        for program in ["initdb", "pg_ctl"] {
            try FileManager.default.copyItem(atPath: real.path(program), toPath: lonely + "/" + program)
        }
        let error = #expect(throws: TemporaryPostgresError.self) {
            try TemporaryPostgres.start(.init(createHypoPG: false, binaries: ServerBinaries(directory: lonely)))
        }
        #expect(error?.kind == .initdbFailed)
        #expect(error?.description.hasPrefix("initdb failed: ") == true)
        #expect(error?.description.contains("\"postgres\"") == true, "\(error?.description ?? "")")
        #expect(error?.output.isEmpty == false)
    }

    @Test func serverThatCannotStartShowsTheLogsReason() {
        let error = #expect(throws: TemporaryPostgresError.self) {
            try TemporaryPostgres.start(.init(settings: ["shared_buffers": "a lot"], createHypoPG: false))
        }
        #expect(error?.kind == .startFailed)
        #expect(error?.description.contains("shared_buffers") == true, "\(error?.description ?? "")")
        #expect(error?.output.contains { $0.contains("invalid value for parameter \"shared_buffers\"") } == true)
    }
}
