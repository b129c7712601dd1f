import ArgumentParser
import Foundation
import SargableAdvisor
import SargableCore
import SargableLint
import SargableLogs
import SargablePostgres
import SargableSyntax

struct AdviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advise",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Recommend indexes for a workload, costed with hypothetical indexes (HypoPG), ranked by what they save.",
        discussion: """
        The workload is SQL files (each statement once, or as often as a `-- sargable: weight N` \
        comment before it says), PostgreSQL logs or pg_stat_statements exports (weighted by total \
        time), or the live pg_stat_statements view of --database (--workload pg_stat_statements). \
        Candidates come from what the statements mean: equality columns first, then a range or the \
        ORDER BY keys; expression, partial, covering and BRIN variants. Each is costed with plain \
        EXPLAIN under HypoPG (nothing is built, nothing is run) and chosen greedily by benefit per \
        byte under --budget, growing chosen indexes a column at a time, net of the index maintenance \
        the workload's own INSERTs and UPDATEs would pay. The database needs the hypopg extension; \
        Sargable never installs it.

        --verify builds the recommendations for real (CREATE INDEX CONCURRENTLY), runs the statements \
        they serve with EXPLAIN ANALYZE before and after (read-only, rolled back), reports measured \
        speed-ups, and drops what it built unless --keep. It needs --allow-index-builds.

        Examples:
          sargable advise --database postgresql:///app --budget 500MB queries.sql
          sargable advise --database postgresql:///app postgresql.log \\
            --format sql > add-indexes.sql
          sargable advise --database postgresql:///app \\
            --workload pg_stat_statements --max-indexes 5
          sargable database run --load schema.sql --load data.sql -- \\
              sargable advise --verify --allow-index-builds queries.sql
        """
    )

    @OptionGroup var connection: DatabaseOptions

    @Option(help: "Where the workload comes from: auto (.sql files and SQL text are statements, other files are logs), sql, log, or pg_stat_statements (the view of --database).")
    var workload: WorkloadSource = .auto

    @Option(help: ArgumentHelp("Total estimated size of the recommended indexes (500MB, 2GB, 1.5GiB, or bytes).", valueName: "size"))
    var budget: ByteSize?

    @Option(help: "Recommend at most this many indexes.")
    var maxIndexes: Int?

    @Option(help: "Keys per index at most.")
    var maxWidth = 3

    @Option(help: "Keep the heaviest statement families that make this share of the logged time.")
    var topShare = 0.95

    @Option(help: "Connections that plan at once.")
    var jobs = 2

    @Option(help: "Recommend only indexes that save at least this share of the workload's cost (0 fills the budget).")
    var minBenefit = 0.02

    @Option(help: "Planner cost charged per index entry an INSERT or non-HOT UPDATE writes (workloads without logged times).")
    var writeCost = 1.0

    @Flag(help: "Let user-defined functions be planned (those acting outside the transaction never are).")
    var trustFunctions = false

    @Option(help: "Output: text (ranked table and evidence), json, or sql (a migration of CREATE INDEX CONCURRENTLY).")
    var format: AdviseFormat = .text

    @Flag(help: "Exit 1 when there is at least one recommendation (for CI).")
    var failOnRecommendation = false

    @Flag(help: "Build the recommendations for real and measure the statements they serve before and after.")
    var verify = false

    @Flag(help: "Allow --verify to build (and then drop) indexes on this database.")
    var allowIndexBuilds = false

    @Flag(help: "With --verify, keep the indexes it built.")
    var keep = false

    @Option(help: "With --verify, timed runs of each statement before and after (the median counts).")
    var runs = 3

    @Argument(help: ArgumentHelp("SQL files or directories, log files, - for standard input, or SQL text.", valueName: "input"))
    var inputs: [String] = []

    func validate() throws {
        if workload == .statStatements {
            guard inputs.isEmpty else { throw ValidationError("--workload pg_stat_statements reads the database's view: give no input files") }
        } else if inputs.isEmpty {
            throw ValidationError("give SQL files, log files or SQL text, or --workload pg_stat_statements")
        }
        guard (1 ... 32).contains(maxWidth) else { throw ValidationError("--max-width must be between 1 and 32") }
        guard (1 ... 64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
        guard topShare > 0, topShare <= 1 else { throw ValidationError("--top-share must be in (0, 1]") }
        guard minBenefit >= 0, minBenefit < 1 else { throw ValidationError("--min-benefit must be in [0, 1)") }
        guard writeCost >= 0, writeCost.isFinite else { throw ValidationError("--write-cost must be a non-negative number") }
        guard runs >= 1, runs <= 100 else { throw ValidationError("--runs must be between 1 and 100") }
        if let maxIndexes, maxIndexes < 1 { throw ValidationError("--max-indexes must be at least 1") }
        if verify && !allowIndexBuilds {
            throw ValidationError("--verify builds indexes on the database (CREATE INDEX CONCURRENTLY, then drops them): add --allow-index-builds to say so")
        }
        if keep && !verify { throw ValidationError("--keep needs --verify") }
    }

    func run() throws {
        let progress = Terminal.standardErrorIsTerminal ? { (message: String) in Terminal.writeStandardError("\u{1B}[2K\r\(message)") } : nil
        var (workload, failures) = try readWorkload()
        // Unreadable input is reported with its location and fails the run; the rest is advised.
        for problem in workload.problems { Terminal.error(problem) }
        failures += workload.problems.count
        workload.problems = []
        guard !workload.statements.isEmpty else {
            if failures > 0 { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
            throw CommandFailure("the workload has no statement to advise for")
        }
        var options = AdvisorOptions()
        options.budgetBytes = budget?.bytes
        options.maxIndexes = maxIndexes
        options.maxWidth = maxWidth
        options.workers = jobs
        options.indexEntryCost = writeCost
        options.minimumBenefitShare = minBenefit
        options.limits = connection.limits
        options.functions = FunctionPolicy(trustFunctions: trustFunctions)
        let advisor: Advisor
        do {
            advisor = try Advisor(workload: workload, options: options, connect: openConnection)
        } catch {
            throw CommandFailure(error.description)
        }
        var advice = advisor.advise(progress: progress)
        if verify {
            let verifier = Verifier(connect: openConnection, limits: connection.limits, functions: options.functions, runs: runs)
            do {
                try verifier.verify(&advice, workload: workload, keep: keep, progress: progress)
            } catch {
                if progress != nil { Terminal.writeStandardError("\u{1B}[2K\r") }
                throw CommandFailure("--verify: \(error)")
            }
        }
        if progress != nil { Terminal.writeStandardError("\u{1B}[2K\r") }
        for problem in advice.problems { Terminal.error(problem) }
        switch format {
        case .text: Terminal.print(AdviceRenderer.text(advice, style: TextStyle(enabled: Terminal.standardOutputIsTerminal)))
        case .json: Terminal.print(JSONText.encode(advice))
        case .sql: Terminal.print(AdviceRenderer.sql(advice))
        }
        if failures > 0 || !advice.problems.isEmpty { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        if failOnRecommendation && !advice.recommendations.isEmpty { throw ExitCode(SargableExitCode.findings.rawValue) }
    }

    /// One more connection to the database (the advisor opens one per worker), cancelled on Ctrl-C.
    private func openConnection() throws(PostgresError) -> Connection {
        let opened = try Connection(connection.database ?? "")
        Interrupts.shared.watch(opened)
        return opened
    }

    private func readWorkload() throws -> (Workload, Int) {
        switch workload {
        case .statStatements:
            let connection = try self.connection.connect()
            do {
                let rows = try connection.query("""
                    SELECT query, calls::text AS calls, total_exec_time::text AS total FROM pg_stat_statements
                    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 0
                    """).rows
                let families = rows.compactMap { row -> Workload.Family? in
                    guard let query = row["query"], let calls = row.int("calls"),
                          let total = row["total"].flatMap(Double.init),
                          let fingerprint = try? PgQuery.fingerprint(query) else { return nil }
                    return Workload.Family(fingerprint: fingerprint.hex, text: query, calls: calls, totalMs: total)
                }
                var workload = Workload.from(families: families, origin: "pg_stat_statements", topShare: topShare)
                // PostgreSQL 14+ records when the counters started; the table write counters scale to it.
                workload.windowSeconds = (try? connection.query(
                    "SELECT extract(epoch FROM now() - stats_reset)::float8::text AS seconds FROM pg_stat_statements_info"
                ).rows.first?["seconds"]).flatMap { $0.flatMap(Double.init) }
                return (workload, 0)
            } catch {
                throw CommandFailure("cannot read pg_stat_statements (is the extension created in this database?): \(error.description)")
            }
        case .sql:
            let (documents, failures) = SQLInputOptions.documents(orText: inputs)
            return (Workload.from(documents: documents), failures)
        case .log:
            return (logWorkload(inputs), 0)
        case .auto:
            let isSQL = { (input: String) in
                input == "-" || input.hasSuffix(".sql") || isDirectory(input)
                    || (!FileManager.default.fileExists(atPath: input) && input.contains(where: \.isWhitespace))
            }
            let (documents, failures) = SQLInputOptions.documents(orText: inputs.filter(isSQL))
            var result = Workload.from(documents: documents)
            let logs = inputs.filter { !isSQL($0) }
            if !logs.isEmpty {
                let fromLogs = logWorkload(logs)
                result.statements += fromLogs.statements
                result.problems += fromLogs.problems
                result.omittedFamilies += fromLogs.omittedFamilies
                result.skippedStatements += fromLogs.skippedStatements
            }
            return (result, failures)
        }
    }

    private func logWorkload(_ paths: [String]) -> Workload {
        let (report, problems) = LogAnalysis.run(paths: paths)
        var workload = Workload.from(report: report, origin: paths.count == 1 ? InputFiles.displayName(paths[0]) : "logs",
                                     topShare: topShare)
        workload.problems = problems.filter { $0.kind == .error }.map(\.description) + workload.problems
        return workload
    }

    private func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}

enum WorkloadSource: String, ExpressibleByArgument, CaseIterable {
    case auto, sql, log
    case statStatements = "pg_stat_statements"
}

enum AdviseFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sql
}

/// `500MB`, `2GB`, `1.5GiB`, `64kB` or a number of bytes. MB and GB are powers of ten, as the
/// index-selection literature counts budgets; MiB and GiB are powers of two.
struct ByteSize: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        let units: [(suffix: String, factor: Double)] = [
            ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
            ("kB", 1e3), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1), ("", 1),
        ]
        let text = argument.trimmingCharacters(in: .whitespaces)
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let number = Double(text.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)),
                  number.isFinite, number >= 0 else { continue }
            let product = number * unit.factor
            guard product < 9e18 else { return nil }
            bytes = Int(product)
            return
        }
        return nil
    }
}
