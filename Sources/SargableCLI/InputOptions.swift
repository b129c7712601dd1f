import ArgumentParser
import Foundation
import SargableCore
import SargableSyntax
#if canImport(Glibc)
import Glibc
#endif

/// SQL inputs shared by the commands that read SQL files.
struct SQLInputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("SQL files, directories (searched recursively for *.sql) or - for standard input.",
                                 valueName: "path"))
    var paths: [String] = []

    @Flag(help: "Walk directories without skipping the files .gitignore ignores.")
    var noGitignore = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one path, or - to read standard input") }
    }

    /// Reads every input into a document; unreadable inputs are reported and counted, the rest go on.
    func documents(parsing: Bool = true) -> (documents: [SQLDocument], failures: Int) {
        Self.documents(paths, parsing: parsing, respectingGitignore: !noGitignore)
    }

    static func documents(_ paths: [String], parsing: Bool = true,
                          respectingGitignore: Bool = true) -> (documents: [SQLDocument], failures: Int) {
        let (files, failures) = read(paths, respectingGitignore: respectingGitignore)
        return (LargeStack.parallelMap(files) { SQLDocument(file: $0, parsing: parsing) }, failures)
    }

    /// Inputs are files, directories or `-`; an argument that names no file and contains a space
    /// is the SQL itself (`sargable explain "SELECT …"`).
    static func documents(orText inputs: [String]) -> (documents: [SQLDocument], failures: Int) {
        var documents: [SQLDocument] = []
        var paths: [String] = []
        for input in inputs {
            if input != "-" && !FileManager.default.fileExists(atPath: input) && input.contains(where: \.isWhitespace) {
                documents.append(SQLDocument(path: "<argument>", text: input))
            } else {
                paths.append(input)
            }
        }
        guard !paths.isEmpty else { return (documents, 0) }
        let (read, failures) = Self.documents(paths)
        return (documents + read, failures)
    }

    /// Reads SQL files, directories (their *.sql files, sorted) and `-`, in parallel: decoding and
    /// indexing lines is per file. Unreadable paths are reported and counted, the rest go on.
    /// `standardInputName` is the path findings on `-` carry (`--stdin-filepath`). Inside a git
    /// work tree, a directory's walk leaves out what .gitignore ignores (build output, vendored
    /// dumps), as git and the editors do; a file named on the command line is always read.
    static func read(_ paths: [String], standardInputName: String? = nil,
                     respectingGitignore: Bool = true, threads: Int = LargeStack.defaultThreadCount) -> (files: [SourceFile], failures: Int) {
        var (names, errors) = InputFiles.expand(paths, extensions: [".sql"], skipped: { Terminal.note($0.description) })
        if respectingGitignore {
            let named = Set(paths)
            var ignored: Set<String> = []
            for directory in paths where isDirectory(directory) {
                let prefix = directory.hasSuffix("/") ? directory : directory + "/"
                ignored.formUnion(Git.ignored(names.filter { $0.hasPrefix(prefix) && !named.contains($0) }, walkedFrom: directory))
            }
            names.removeAll { ignored.contains($0) }
        }
        for error in errors { Terminal.error(error.description) }
        // Standard input is read once, here, not from a worker.
        let stdin = names.contains("-") ? Result { () throws(InputError) in try InputFiles.read("-") } : nil
        let readOne: @Sendable (String) -> Result<SourceFile, InputError> = { path in
            let bytes: Result<[UInt8], InputError>
            if path == "-", let stdin { bytes = stdin } else { bytes = Result { () throws(InputError) in try InputFiles.read(path) } }
            let name = path == "-" ? standardInputName ?? InputFiles.displayName(path) : path
            return bytes.map { SourceFile(path: name, contents: $0) }
        }
        // Reading recurses nowhere: one file is read here, without a thread started for it.
        let results = names.count > 1 ? LargeStack.parallelMap(names, threads: threads, readOne) : names.map(readOne)
        var files: [SourceFile] = []
        var failures = errors.count
        for result in results {
            switch result {
            case .success(let file): files.append(file)
            case .failure(let error):
                Terminal.error(error.description)
                failures += 1
            }
        }
        return (files, failures)
    }
}

extension Terminal {
    /// `sargable: note: q.sql:3:1: psql meta-command \\gset skipped`, for each thing the reader
    /// skipped in `document`.
    static func notes(of document: SQLDocument) {
        for note in document.notes {
            Terminal.note("\(document.file.path):\(document.file.position(ofByte: note.range.lowerBound)): \(note.message)")
        }
    }
}

/// `--color`, on every command with a text report.
struct ColourOptions: ParsableArguments {
    enum Choice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    @Option(name: .customLong("color"),
            help: "Colour the text output: auto (on a terminal, unless NO_COLOR is set or TERM is dumb), always or never.")
    var choice: Choice = .auto

    var onStandardOutput: Bool {
        switch choice {
        case .always: true
        case .never: false
        case .auto: Terminal.standardOutputIsTerminal && Self.environmentAllowsColour(Terminal.environment)
        }
    }

    /// https://no-color.org: NO_COLOR set to anything but the empty string turns colour off; a
    /// dumb terminal cannot show it.
    static func environmentAllowsColour(_ environment: (String) -> String?) -> Bool {
        (environment("NO_COLOR") ?? "").isEmpty && environment("TERM") != "dumb"
    }
}

/// `--fail-on`, the same words on every command: the lowest severity that makes the exit code 1,
/// or never. Each command has its own default (lint warning, explain error, analyze never).
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case never, info, warning, error

    static let help = ArgumentHelp("Lowest severity that makes the exit code 1: info, warning or error; never: always 0 for findings.")

    var severity: Severity? { Severity(rawValue: rawValue) }

    func fails(_ severities: some Sequence<Severity>) -> Bool {
        guard let threshold = severity else { return false }
        return severities.contains { $0 >= threshold }
    }
}

private func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
