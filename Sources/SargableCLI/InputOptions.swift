import ArgumentParser
import SargableCore
import SargableSyntax

/// SQL inputs shared by the commands that read SQL files.
struct SQLInputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("SQL files, directories (searched recursively for *.sql) or - for standard input.",
                                 valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one path, or - to read standard input") }
    }

    /// Reads every input into a document; unreadable inputs are reported and counted, the rest go on.
    func documents(parsing: Bool = true) -> (documents: [SQLDocument], failures: Int) {
        let (files, errors) = InputFiles.expand(paths, extensions: [".sql"])
        for error in errors { Terminal.error(error.description) }
        var failures = errors.count
        var documents: [SQLDocument] = []
        for path in files {
            do {
                let bytes = try InputFiles.read(path)
                documents.append(SQLDocument(file: SourceFile(path: InputFiles.displayName(path), contents: bytes), parsing: parsing))
            } catch {
                Terminal.error(error.description)
                failures += 1
            }
        }
        return (documents, failures)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
