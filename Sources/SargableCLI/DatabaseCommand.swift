import ArgumentParser
import Foundation
import SargableCore
import SargablePostgres
import SargableSyntax

/// `sargable database run`: a throwaway PostgreSQL for samples, CI jobs and test suites.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database",
        abstract: "Throwaway PostgreSQL servers for samples, CI jobs and test suites.",
        discussion: """
        Examples:
          sargable database run --load samples/migrations --load samples/database/seed.sql -- \\
            sargable explain --analyze samples/queries
        """,
        subcommands: [DatabaseRunCommand.self]
    )
}

struct DatabaseRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start a throwaway PostgreSQL, load SQL into it, run a command against it, then delete it.",
        discussion: """
        The server gets a fresh data directory in /tmp (initdb runs as the postgres user when \
        sargable runs as root), listens only on a Unix socket in that directory, and has hypopg \
        when the extension is installed. The command runs with PGHOST, PGPORT, PGUSER and \
        PGDATABASE pointing at it, so psql, pgbench and `sargable … --database ''` reach it. \
        Everything is deleted afterwards, also when interrupted. The exit status is the command's.

        Examples:
          sargable database run --load samples/migrations --load samples/database/seed.sql -- \\
            sh -c 'sargable lint --database "" samples/queries; sargable explain --analyze samples/queries'
          sargable database run --set log_min_duration_statement=0 -- pgbench -i
        """
    )

    @Option(help: ArgumentHelp("A SQL file, or a directory of *.sql files (by path), to load before the command; repeatable, in order.",
                               valueName: "path"))
    var load: [String] = []

    @Option(name: .customLong("set"), help: ArgumentHelp("A server setting for postgresql.conf; repeatable.", valueName: "name=value"))
    var settings: [String] = []

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run after --.", valueName: "command"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command to run after --") }
        for setting in settings where !setting.contains("=") {
            throw ValidationError("--set takes name=value, not '\(setting)'")
        }
    }

    func run() throws {
        var serverSettings: [String: String] = [:]
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            serverSettings[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        let server: TemporaryPostgres
        do {
            server = try TemporaryPostgres.start(.init(settings: serverSettings))
        } catch {
            throw CommandFailure("cannot start a throwaway PostgreSQL: \(error)")
        }
        defer { server.stop() }
        try loadFiles(into: server)
        Terminal.note("throwaway PostgreSQL ready in \(Self.seconds(server.startupDuration)) at \(server.socketDirectory)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(server.environment()) { $1 }
        do {
            try process.run()
        } catch {
            throw CommandFailure("cannot run \(command[0]): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }

    /// Loads every statement on its own (CREATE INDEX CONCURRENTLY cannot run in a transaction
    /// block); the first failing statement stops the command with its location.
    private func loadFiles(into server: TemporaryPostgres) throws {
        guard !load.isEmpty else { return }
        let connection = try Connection(server.connectionString())
        let (files, errors) = InputFiles.expand(load, extensions: [".sql"])
        if let error = errors.first { throw CommandFailure(error.description) }
        for path in files {
            let bytes: [UInt8]
            do { bytes = try InputFiles.read(path) } catch { throw CommandFailure(error.description) }
            let document = SQLDocument(file: SourceFile(path: InputFiles.displayName(path), contents: bytes))
            for statement in document.statements {
                do {
                    try connection.execute(statement.text)
                } catch {
                    let position = document.file.position(ofByte: statement.range.lowerBound)
                    throw CommandFailure("\(document.file.path):\(position): \(error.description)")
                }
            }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return "\((milliseconds / 10).rounded() / 100) s"
    }
}
