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
          sargable database run --load samples/migrations \\
            --load samples/database/seed.sql -- \\
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
        The command is the terminal's foreground job (an interactive psql works, Ctrl-C and Ctrl-Z \
        reach it); SIGINT, SIGTERM and SIGHUP sent to sargable are passed on to it. Everything is \
        deleted afterwards, also when interrupted. The exit status is the command's, or 128 plus \
        the signal that ended it.

        Examples:
          sargable database run --load samples/migrations \\
            --load samples/database/seed.sql -- \\
            sh -c 'sargable lint --database "" samples/queries;
                   sargable explain --analyze samples/queries'
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
        for setting in settings where !setting.contains("=") || setting.hasPrefix("=") {
            throw ValidationError("--set takes name=value, not '\(setting)'")
        }
    }

    func run() throws {
        var serverSettings: [String: String] = [:]
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            serverSettings[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        // Every file is read and checked before a server is started or anything is loaded.
        let documents = try loadableDocuments()
        let server: TemporaryPostgres
        do {
            server = try TemporaryPostgres.start(.init(settings: serverSettings))
        } catch {
            throw CommandFailure(Self.refusedSetting(error, settings: settings) ?? "cannot start a throwaway PostgreSQL: \(error)")
        }
        defer { server.stop() }
        try load(documents, into: server)
        Terminal.note("throwaway PostgreSQL ready in \(Self.seconds(server.startupDuration)) at \(server.socketDirectory)")
        let status = try ForegroundJob.run(command, environment: ProcessInfo.processInfo.environment.merging(server.environment()) { $1 })
        if status != 0 { throw ExitCode(status) }
    }

    /// The `--load` files, refused (exit 2, every problem with its location) when any has a text
    /// diagnostic or a statement that does not parse: a half-loaded schema would make every
    /// later result misleading.
    private func loadableDocuments() throws -> [SQLDocument] {
        guard !load.isEmpty else { return [] }
        let (files, errors) = InputFiles.expand(load, extensions: [".sql"])
        if let error = errors.first { throw CommandFailure(error.description) }
        var documents: [SQLDocument] = []
        var problems: [String] = []
        for path in files {
            let bytes: [UInt8]
            do { bytes = try InputFiles.read(path) } catch { throw CommandFailure(error.description) }
            let document = SQLDocument(file: SourceFile(path: InputFiles.displayName(path), contents: bytes))
            problems += document.diagnostics.map { document.locate($0).description }
            for statement in LargeStack.run({ document.parse() }) {
                if let error = statement.error { problems.append(document.locate(error, in: statement.source).description) }
            }
            documents.append(document)
        }
        guard problems.isEmpty else {
            problems.forEach(Terminal.error)
            Terminal.error("nothing was loaded: fix the file(s) above first")
            throw ExitCode(SargableExitCode.usageOrInputError.rawValue)
        }
        return documents
    }

    /// Loads every statement on its own (CREATE INDEX CONCURRENTLY cannot run in a transaction
    /// block), with the data block that follows a `COPY … FROM stdin` as pg_dump writes it; the
    /// first failing statement stops the command with its location. Ctrl-C cancels the running
    /// statement.
    private func load(_ documents: [SQLDocument], into server: TemporaryPostgres) throws {
        guard !documents.isEmpty else { return }
        let connection: Connection
        do { connection = try Connection(server.connectionString()) } catch { throw CommandFailure(error.description) }
        Interrupts.shared.watch(connection)
        for document in documents {
            for (index, statement) in document.statements.enumerated() {
                let next = document.statements.dropFirst(index + 1).first?.range.lowerBound ?? document.file.bytes.count
                do {
                    try connection.execute(statement.text, copyInput: Self.copyData(after: statement, before: next, in: document))
                } catch {
                    try Interrupts.shared.checkpoint()
                    // The server's position (characters into the statement) points at the culprit.
                    let offset = error.position.map { document.file.byteOffset(ofCharacter: $0, from: statement.range.lowerBound) }
                    let position = document.file.position(ofByte: offset ?? statement.range.lowerBound)
                    throw CommandFailure("\(document.file.path):\(position): \(error.description)")
                }
                try Interrupts.shared.checkpoint()
            }
        }
    }

    /// A server that refuses a `--set` says why in its log (`invalid value for parameter "work_mem":
    /// "banana"`): that reason under the `--set` it concerns, without the generated file's path.
    static func refusedSetting(_ error: any Error, settings: [String]) -> String? {
        guard let error = error as? TemporaryPostgresError, error.kind == .startFailed else { return nil }
        for setting in settings {
            // The server logs a name as given or folded to lower case, depending on the message.
            let name = "\"" + setting.prefix { $0 != "=" }.lowercased() + "\""
            guard let line = error.output.first(where: { $0.lowercased().contains(name) }) else { continue }
            var reason = Substring(line)
            for severity in ["LOG:", "FATAL:"] {
                if let range = reason.range(of: severity) { reason = reason[range.upperBound...] }
            }
            if let file = reason.range(of: " in file \"") { reason = reason[..<file.lowerBound] }
            return "--set \(setting): \(reason.trimmingCharacters(in: .whitespaces))"
        }
        return nil
    }

    /// The COPY data lines the splitter skipped after `statement` (a note between it and the next
    /// statement), without the `\.` line that ends them; nil when there are none.
    static func copyData(after statement: StatementSource, before next: Int, in document: SQLDocument) -> [UInt8]? {
        guard let note = document.notes.first(where: {
            $0.kind == .copyData && $0.range.lowerBound >= statement.range.upperBound && $0.range.lowerBound <= next
        }) else { return nil }
        var data = document.file.bytes[note.range]
        // The last line is the terminator when there is one: `\.` alone on it.
        let lastLineStart = data.dropLast().lastIndex(of: 0x0A).map { $0 + 1 } ?? data.startIndex
        if data[lastLineStart...].starts(with: Array("\\.".utf8)) { data = data[..<lastLineStart] }
        return Array(data)
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return "\((milliseconds / 10).rounded() / 100) s"
    }
}
