import ArgumentParser
import Foundation
import SargableCore
import SargableLint
import SargablePlan
import SargablePostgres
import SargableRules
import SargableSyntax

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Explain statements against a database, safely, and report what is slow in each plan.",
        discussion: """
        Without --analyze, statements are only planned (EXPLAIN). With --analyze, SELECTs run as \
        EXPLAIN (ANALYZE, BUFFERS, SETTINGS) inside BEGIN READ ONLY … ROLLBACK. INSERT, UPDATE, \
        DELETE and MERGE are only planned unless --analyze-writes is given; then they run inside a \
        transaction that is always rolled back (sequences and side effects of functions are not). \
        DDL and utility statements are refused. Statements with $1 parameters use --param values, \
        or else the generic plan (PREPARE + plan_cache_mode = force_generic_plan). Every function a \
        statement reaches is looked up first: those acting outside the transaction (dblink, \
        pg_terminate_backend, …) and untrusted user functions are not run; untrusted immutable, \
        stable or SQL functions, which the planner may run, are not even planned.

        Examples:
          sargable explain --database postgresql://app@db/app --analyze queries.sql
          sargable explain --analyze "SELECT * FROM orders WHERE status = 'pending'"
          sargable explain --param 42 --format json - < query.sql
        """
    )

    @OptionGroup var connection: DatabaseOptions

    @OptionGroup var configFile: ConfigurationFileOption

    @Flag(help: "Run the statements (EXPLAIN ANALYZE): SELECTs in a read-only transaction.")
    var analyze = false

    @Flag(help: "With --analyze, also run INSERT/UPDATE/DELETE/MERGE inside a transaction that is rolled back.")
    var analyzeWrites = false

    @Flag(help: "Let user-defined and extension functions run and be planned (not those that act outside the transaction, such as dblink).")
    var trustFunctions = false

    @Option(help: ArgumentHelp("Trust one function (NAME or SCHEMA.NAME); repeat the option.", valueName: "name"))
    var allowFunction: [String] = []

    @Option(help: "Value for $1, $2, … in order (repeat the option); without values $n statements get the generic plan.")
    var param: [String] = []

    @Option(help: "Output format: text (the plan tree), json (plan model and findings) or postgres-json (the server's EXPLAIN JSON, for PEV2 or explain.depesz.com).")
    var format: ExplainFormat = .text

    @Option(help: FailOn.help)
    var failOn: FailOn = .error

    @OptionGroup var colour: ColourOptions

    @Argument(help: ArgumentHelp("SQL files, directories, - for standard input, or the SQL text itself.", valueName: "sql|file"))
    var inputs: [String] = []

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give SQL text, a file, a directory, or - to read standard input") }
        if analyzeWrites && !analyze { throw ValidationError("--analyze-writes needs --analyze") }
    }

    func run() throws {
        let configuration = try configFile.load()
        let (documents, inputFailures) = SQLInputOptions.documents(orText: inputs)
        var failures = inputFailures
        // Nothing readable to explain: the input errors are the whole story, no server needed.
        if documents.isEmpty && failures > 0 { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        let connection = try self.connection.connect()
        let collector = ExplainCollector(connection: connection, options: ExplainOptions(
            analyze: analyze, analyzeWrites: analyzeWrites,
            statementTimeoutMilliseconds: self.connection.limits.statementTimeoutMilliseconds,
            lockTimeoutMilliseconds: self.connection.limits.lockTimeoutMilliseconds,
            functions: FunctionPolicy(trustFunctions: trustFunctions, allowedFunctions: Set(allowFunction))))
        if analyzeWrites { Terminal.note(ExplainCollector.sideEffectsNote) }
        var reports: [ExplainReport] = []
        for document in documents {
            for diagnostic in document.diagnostics {
                Terminal.error(document.locate(diagnostic).description)
                failures += 1
            }
            // `-- sargable-ignore plan-rule: reason` before a statement silences that plan finding there.
            let suppressions = Suppression.all(in: document)
            for statement in LargeStack.run({ document.parse() }) {
                let position = document.file.position(ofByte: statement.source.range.lowerBound)
                let location = "\(document.file.path):\(position)"
                let root: Node
                switch statement.result {
                case .success(let parsed): root = parsed
                case .failure(let error):
                    Terminal.error(document.locate(error, in: statement.source).description)
                    failures += 1
                    continue
                }
                do {
                    let collected = try collector.explain(statement.source.text, root: root,
                                                          parameters: param.isEmpty ? nil : param)
                    let findings = PlanChecks.run(collected.plan).compactMap { planFinding -> PlanFinding? in
                        let rule = planFinding.finding.rule
                        guard !suppressions.contains(where: { $0.rules.contains(rule) && $0.covers(statement.source.range.lowerBound) })
                        else { return nil }
                        return configuration.graded(planFinding, \.finding)
                    }
                    let report = ExplainReport(file: document.file.path, line: position.line, column: position.column,
                                               statement: statement.source.text, collected: collected, findings: findings)
                    reports.append(report)
                    switch format {
                    case .text: Terminal.print(ExplainTextRenderer.render(report, style: TextStyle(enabled: colour.onStandardOutput)))
                    case .postgresJSON: Terminal.print(collected.postgresJSON)
                    case .json: break
                    }
                    try Interrupts.shared.checkpoint()
                } catch let error as ExplainError {
                    try Interrupts.shared.checkpoint()
                    Terminal.error("\(location): \(error.description)")
                    failures += 1
                    // A broken connection fails every statement after it: stop at the first.
                    if error.underlying?.kind == .connectionLost || connection.isBroken { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
                }
            }
        }
        if format == .json { Terminal.print(JSONText.encode(reports)) }
        if failures > 0 { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        if failOn.fails(reports.flatMap { $0.findings.map(\.finding.severity) }) {
            throw ExitCode(SargableExitCode.findings.rawValue)
        }
    }
}

enum ExplainFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
    case postgresJSON = "postgres-json"
}

/// One statement's result as `explain` reports it (the JSON output is an array of these).
struct ExplainReport: Encodable {
    var file: String
    var line: Int
    var column: Int
    var statement: String
    var collected: CollectedPlan
    var findings: [PlanFinding]

    enum CodingKeys: String, CodingKey { case file, line, column, statement, executed, parameters, notes, plan, findings }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(file, forKey: .file)
        try container.encode(line, forKey: .line)
        try container.encode(column, forKey: .column)
        try container.encode(statement, forKey: .statement)
        try container.encode(collected.executed, forKey: .executed)
        try container.encode(collected.parameters, forKey: .parameters)
        try container.encode(collected.notes, forKey: .notes)
        try container.encode(collected.plan, forKey: .plan)
        try container.encode(findings, forKey: .findings)
    }
}
