import ArgumentParser
import SargableCore
import SargableLint
import SargableRules
import SargableSchema
import SargableSyntax
#if canImport(Glibc)
import Glibc
#endif

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Lint SQL files and migrations: slow query shapes, unsafe migrations, schema design.",
        discussion: """
        Every DDL statement of the linted files is replayed in path order into a schema model, so \
        query rules know the tables' keys and indexes and migration rules know which tables already \
        exist. `--schema` adds DDL files that feed the model without being reported on.

        Configuration: `.sargable.yml` or `.sargable.toml`, found from the working directory upwards \
        (or `--config FILE`). Suppress a finding with `-- sargable-ignore rule-id: reason` before the \
        statement, or `-- sargable-ignore-file rule-id` anywhere in the file.

        Exit codes: 0 no finding at or above --fail-on; 1 a finding at or above it, or a statement that \
        does not parse; 2 usage error, bad configuration or unreadable file.

        Examples:
          sargable lint samples/queries samples/migrations
          sargable lint --format json migrations/ > findings.json
          sargable lint --schema db/migrations --fail-on error app/queries/
          sargable lint --database postgresql://app@localhost/app migrations/
          git diff --name-only -- '*.sql' | xargs sargable lint --format github
        """
    )

    @Option(help: "Output format: text (code frames), json, sarif (2.1.0) or github (workflow commands).")
    var format: LintFormat = .text

    @Option(help: ArgumentHelp("Configuration file (default: .sargable.yml/.sargable.toml found upwards).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("A DDL file or directory read into the schema model but not reported on (repeatable).",
                               valueName: "path"))
    var schema: [String] = []

    @Option(help: "Lowest severity that makes the exit code 1: info, warning or error.")
    var failOn: Severity = .warning

    @OptionGroup var connection: DatabaseOptions

    @OptionGroup var input: SQLInputOptions

    func run() throws {
        let configuration = try loadConfiguration()
        let (files, readFailures) = SQLInputOptions.read(input.paths)
        let (schemaFiles, schemaFailures) = SQLInputOptions.read(schema)

        // --database: the live catalog is the schema the files are replayed onto, plus its own checks.
        let live = try connection.database.map { _ in try DatabaseInspection.inspect(connection) }
        let linter = Linter(rules: RuleRegistry.sqlRules, catalogue: RuleRegistry.all, configuration: configuration,
                            baseSchema: live?.schema ?? SchemaModel())
        let report = LargeStack.run { linter.lint(files: files, schemaFiles: schemaFiles, databaseFindings: live?.findings) }

        for error in report.errors { Terminal.error("\(error.file):\(error.line):\(error.column): \(error.message)") }
        switch format {
        case .text:
            Terminal.print(LintReporter.text(report, rules: RuleRegistry.allMetadata, colour: Terminal.colourOnStandardOutput),
                  terminator: "")
        case .json:
            Terminal.print(LintReporter.json(report))
        case .sarif:
            Terminal.print(JSONText.encode(LintReporter.sarif(report, rules: RuleRegistry.allMetadata,
                                                     version: Sargable.configuration.version)))
        case .github:
            Terminal.print(LintReporter.github(report), terminator: "")
        }
        if readFailures + schemaFailures > 0 { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        if report.fails(at: failOn) || !report.errors.isEmpty { throw ExitCode(SargableExitCode.findings.rawValue) }
    }

    private func loadConfiguration() throws -> Configuration {
        let path: String?
        if let config {
            path = config
        } else {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            path = getcwd(&buffer, buffer.count).flatMap { _ in
                Configuration.find(from: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
        }
        guard let path else { return Configuration() }
        do {
            return try Configuration.load(path: path, rules: RuleRegistry.configurableRules)
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        }
    }
}

enum LintFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, github
}

extension Severity: ExpressibleByArgument {}

extension Terminal {
    /// Colour on a terminal unless NO_COLOR is set (https://no-color.org).
    static var colourOnStandardOutput: Bool {
        standardOutputIsTerminal && getenv("NO_COLOR") == nil
    }
}
