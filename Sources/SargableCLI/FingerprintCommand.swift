import ArgumentParser
import SargableCore
import SargableSyntax

struct FingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Print every statement's location, libpg_query fingerprint and normalized text.",
        discussion: """
        Statements that differ only in their constants share a fingerprint, which is how \
        `sargable analyze` groups a workload. Syntax errors are reported with their location and \
        the other statements are still printed.

        Examples:
          sargable fingerprint samples/queries
          echo "SELECT * FROM users WHERE id = 42" | sargable fingerprint -
          sargable fingerprint --format json migrations/ > fingerprints.json
        """
    )

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @OptionGroup var input: SQLInputOptions

    func run() throws {
        let (documents, readFailures) = input.documents(parsing: false)
        let results = LargeStack.parallelMap(documents) { document in fingerprints(of: document) }
        var errorCount = readFailures
        var records: [Record] = []
        for (document, result) in zip(documents, results) {
            Terminal.notes(of: document)
            for failure in result.errors {
                Terminal.error(failure.description)
                errorCount += 1
            }
            records.append(contentsOf: result.records)
        }
        switch format {
        case .text:
            var output = ""
            for record in records {
                // One record per line: a multi-line statement's line breaks (and the indentation after
                // them) are shown as single spaces; JSON keeps the text exactly.
                let oneLine = record.normalized.split(whereSeparator: \.isNewline)
                    .map { $0.drop { $0 == " " || $0 == "\t" } }.joined(separator: " ")
                output += "\(record.file):\(record.line):\(record.column)\t\(record.fingerprint)\t\(oneLine)\n"
            }
            Terminal.print(output, terminator: "")
        case .json:
            Terminal.print(JSONText.encode(records))
        }
        if errorCount > 0 { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
    }

    struct Record: Encodable {
        let file: String
        let line: Int
        let column: Int
        let fingerprint: String
        let normalized: String
    }

    private func fingerprints(of document: SQLDocument) -> (records: [Record], errors: [LocatedSyntaxError]) {
        var records: [Record] = []
        var errors = document.diagnostics.map { document.locate($0) }
        for statement in document.statements {
            do {
                let (fingerprint, normalized) = try PsqlVariables.tolerating(statement.text) { (text) throws(SyntaxError) in
                    (try PgQuery.fingerprint(text), try PgQuery.normalize(text))
                }
                let position = document.file.position(ofByte: statement.range.lowerBound)
                records.append(Record(file: document.file.path, line: position.line, column: position.column,
                                      fingerprint: fingerprint.hex, normalized: normalized))
            } catch {
                errors.append(document.locate(error, in: statement))
            }
        }
        return (records, errors)
    }
}
