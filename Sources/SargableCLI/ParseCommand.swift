import ArgumentParser
import SargableCore
import SargableSyntax

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Print libpg_query's parse tree of every statement (a debugging aid for rule authors).",
        discussion: """
        Prints one line of JSON per statement (JSON Lines, so `jq` reads it): where the statement \
        starts and libpg_query's tree, which is what rules walk: \
        {"file":"q.sql","line":1,"column":1,"tree":{"version":150001,"stmts":[…]}}

        Examples:
          sargable parse query.sql
          echo "SELECT id FROM users WHERE lower(email) = \\$1" | sargable parse -
        """
    )

    @Argument(help: ArgumentHelp("A SQL file, or - for standard input.", valueName: "file"))
    var file: String

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try InputFiles.read(file)
        } catch {
            throw CommandFailure(error.description)
        }
        let document = SQLDocument(file: SourceFile(path: InputFiles.displayName(file), contents: bytes))
        var failed = !document.diagnostics.isEmpty
        for diagnostic in document.diagnostics { Terminal.error(document.locate(diagnostic).description) }
        let parsed = LargeStack.run { document.parse() }
        for statement in parsed {
            switch statement.result {
            case .success:
                // Parsed again alone so the output is this statement's tree only.
                let position = document.file.position(ofByte: statement.source.range.lowerBound)
                guard let tree = try? PgQuery.parse(statement.source.text) else { continue }
                Terminal.print("{\"file\":\(JSONText.encode(document.file.path)),\"line\":\(position.line),"
                               + "\"column\":\(position.column),\"tree\":\(tree.jsonText)}")
            case .failure(let error):
                Terminal.error(document.locate(error, in: statement.source).description)
                failed = true
            }
        }
        if failed { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
    }
}
