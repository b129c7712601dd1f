import ArgumentParser
import Foundation
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
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Lint SQL files and migrations: slow query shapes, unsafe migrations, schema design.",
        discussion: """
        Every DDL statement of the linted files is replayed in path order into a schema model, so \
        query rules know the tables' keys and indexes and migration rules know which tables already \
        exist. `--schema` adds DDL files that feed the model without being reported on.

        Configuration: `.sargable.yml` or `.sargable.toml`, found from the working directory upwards \
        (or `--config FILE`). Suppress a finding with `-- sargable-ignore rule-id: reason` before the \
        statement, or `-- sargable-ignore-file rule-id` anywhere in the file.

        Exit codes: 0 no finding at or above --fail-on (default warning); 1 a finding at or above it, \
        or a statement that does not parse (an error); 2 usage error, bad configuration or unreadable file.

        Examples:
          sargable lint samples/queries samples/migrations
          sargable lint --format json migrations/ > findings.json
          sargable lint --schema db/migrations --fail-on error app/queries/
          sargable lint --database postgresql://app@localhost/app migrations/
          sargable lint --changed=origin/main --format github
          git diff --name-only --diff-filter=d | sargable lint --files-from -
        """
    )

    @Option(help: "Output format: text (code frames), json, sarif (2.1.0) or github (workflow commands).")
    var format: LintFormat = .text

    @OptionGroup var configFile: ConfigurationFileOption

    @Option(help: ArgumentHelp("A DDL file or directory read into the schema model but not reported on (repeatable).",
                               valueName: "path"))
    var schema: [String] = []

    @Option(help: FailOn.help)
    var failOn: FailOn = .warning

    @Option(name: .customLong("changed"),
            help: ArgumentHelp("Lint the *.sql files changed since the merge base of BASE and HEAD (--changed alone: since HEAD), uncommitted and untracked ones included, deleted ones skipped; paths narrow it.",
                               valueName: "base"))
    var changedBase: String?

    @Option(help: ArgumentHelp("Lint the paths listed in a file, one a line (- for standard input); missing files are skipped with a note.",
                               valueName: "file"))
    var filesFrom: String?

    @Option(help: ArgumentHelp("A glob of paths not to lint, as `exclude` in the configuration (repeatable).", valueName: "glob"))
    var exclude: [String] = []

    @Option(name: .customLong("rules"), parsing: .singleValue,
            help: ArgumentHelp("Run only these rules (comma-separated or repeated).", valueName: "id,…"),
            completion: .list(RuleRegistry.allIDs))
    var onlyRules: [String] = []

    @Option(name: .customLong("exclude-rules"), parsing: .singleValue,
            help: ArgumentHelp("Do not run these rules (comma-separated or repeated).", valueName: "id,…"),
            completion: .list(RuleRegistry.allIDs))
    var excludedRules: [String] = []

    @Option(help: ArgumentHelp("The target server's major version, as `postgres-version` in the configuration.", valueName: "major"))
    var postgresVersion: Int?

    @Option(help: ArgumentHelp("The path findings on standard input (-) carry, also for exclude globs.", valueName: "path"))
    var stdinFilepath: String?

    @Flag(help: "Walk directories without skipping the files .gitignore ignores.")
    var noGitignore = false

    @Option(help: ArgumentHelp("Threads that read, parse and lint files (default: one per core).", valueName: "n"))
    var jobs: Int?

    @OptionGroup var colour: ColourOptions

    @OptionGroup var connection: DatabaseOptions

    @Argument(help: ArgumentHelp("SQL files, directories (searched recursively for *.sql) or - for standard input.",
                                 valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if changedBase != nil, filesFrom != nil { throw ValidationError("give --changed or --files-from, not both") }
        guard !paths.isEmpty || changedBase != nil || filesFrom != nil else {
            throw ValidationError("give at least one path, - to read standard input, --changed or --files-from")
        }
        if let jobs, !(1 ... 64).contains(jobs) { throw ValidationError("--jobs must be between 1 and 64") }
        if let postgresVersion, !Configuration.postgresVersions.contains(postgresVersion) {
            throw ValidationError("--" + Configuration.postgresVersionRequirement)
        }
    }

    func run() throws {
        let configuration = try loadConfiguration()
        let (files, readFailures) = try readInputs()
        let (schemaFiles, schemaFailures) = SQLInputOptions.read(schema, threads: threads)

        // --database: the live catalog is the schema the files are replayed onto, plus its own checks.
        let live = try connection.database.map { _ in try DatabaseInspection.inspect(connection) }
        var linter = Linter(configuration: configuration,
                            baseSchema: live?.schema ?? SchemaModel())
        linter.threads = threads
        let report = LargeStack.run { linter.lint(files: files, schemaFiles: schemaFiles, databaseFindings: live?.findings) }
        // Freeing the report and the inputs is serial work (~6 ms on the regression corpus) that the
        // process's exit does for free, so they stay referenced until then.
        keptUntilExit = [report, files, schemaFiles]

        // JSON carries the notes itself; elsewhere they go beside the errors.
        if format != .json { report.documents.forEach(Terminal.notes(of:)) }
        for error in report.errors { Terminal.error("\(error.file):\(error.line):\(error.column): \(error.message)") }
        switch format {
        case .text:
            Terminal.print(LintReporter.text(report, rules: RuleRegistry.allMetadata, colour: colour.onStandardOutput,
                                               catalogueURL: Terminal.catalogueURL),
                  terminator: "")
        case .json:
            Terminal.printBytes(LintReporter.jsonChunks(report, threads: threads))
        case .sarif:
            Terminal.print(Self.sarif(report))
        case .github:
            Terminal.print(LintReporter.github(report), terminator: "")
        }
        if readFailures + schemaFailures > 0 { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        // A statement that does not parse is an error-level problem, so it fails like one.
        if failOn.fails(report.findings.map(\.severity) + report.errors.map { _ in .error }) {
            throw ExitCode(SargableExitCode.findings.rawValue)
        }
    }

    /// The files to lint, without the `--schema` files among them: a schema file feeds the model
    /// and is never reported on, also when a linted directory contains it.
    private func readInputs() throws -> (files: [SourceFile], failures: Int) {
        var names = paths
        if let changedBase {
            names = try LintInputs.changedSQLFiles(since: changedBase, under: paths)
            if names.isEmpty { Terminal.note("no SQL file changed since \(changedBase)") }
        } else if let filesFrom {
            names += try LintInputs.listedFiles(in: filesFrom)
            if names.isEmpty { Terminal.note("no path to lint in \(InputFiles.displayName(filesFrom))") }
        }
        let (files, failures) = SQLInputOptions.read(names, standardInputName: stdinFilepath, respectingGitignore: !noGitignore,
                                                     threads: threads)
        guard !schema.isEmpty else { return (files, failures) }
        let (schemaNames, _) = InputFiles.expand(schema, extensions: [".sql"])
        let schemaPaths = Set(schemaNames.map(LintInputs.canonicalPath))
        return (files.filter { !schemaPaths.contains(LintInputs.canonicalPath($0.path)) }, failures)
    }

    /// SARIF 2.1.0 with URIs relative to the repository root (or the working directory), as code
    /// scanning reads them; `doctor` writes its findings the same way.
    static func sarif(_ report: LintReport) -> String {
        let workingDirectory = LintInputs.currentDirectory()
        let paths = LintReporter.SARIFPaths(root: LintInputs.repositoryRoot() ?? workingDirectory,
                                            workingDirectory: workingDirectory, catalogueURL: Terminal.catalogueURL)
        return JSONText.encode(LintReporter.sarif(report, rules: RuleRegistry.allMetadata,
                                                  version: Sargable.configuration.version, paths: paths))
    }

    private var threads: Int { jobs ?? LargeStack.defaultThreadCount }

    private func loadConfiguration() throws -> Configuration {
        var configuration = try configFile.load()
        // The command line adds to the file's settings, through the same fields the file sets.
        configuration.exclude += exclude
        if let postgresVersion { configuration.postgresVersion = postgresVersion }
        let known = Set(RuleRegistry.allIDs)
        let only = try ruleIds(onlyRules, option: "--rules", known: known)
        if !only.isEmpty {
            configuration.disabledRules.formUnion(known.subtracting(only))
            // Naming an opt-in rule turns it on.
            configuration.enabledRules.formUnion(only)
        }
        configuration.disabledRules.formUnion(try ruleIds(excludedRules, option: "--exclude-rules", known: known))
        return configuration
    }

    private func ruleIds(_ values: [String], option: String, known: Set<String>) throws -> Set<String> {
        let ids = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let unknown = ids.first(where: { !known.contains($0) }) {
            throw CommandFailure("\(option): unknown rule '\(unknown)'; `sargable rules` lists them")
        }
        return Set(ids)
    }

}

enum LintFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif, github
}

extension Terminal {
    /// The hosted rule catalogue links point into; `SARGABLE_CATALOGUE_URL` names another (a fork's,
    /// an intranet copy of Rules/README.md).
    static var catalogueURL: String {
        environment("SARGABLE_CATALOGUE_URL").flatMap { $0.isEmpty ? nil : $0 }
            ?? LintReporter.defaultCatalogueURL
    }

    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

/// What `lint` leaves for the process's exit to reclaim instead of freeing it object by object.
nonisolated(unsafe) private var keptUntilExit: [Any] = []
