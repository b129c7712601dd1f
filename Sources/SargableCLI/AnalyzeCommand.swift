import ArgumentParser
import SargableCore
import SargableLint
import SargableLogs
import SargableSyntax
#if canImport(Glibc)
import Glibc
#endif

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Find where a workload's database time goes, and the N+1 and row-by-row patterns that cause it.",
        discussion: """
        Reads PostgreSQL logs (stderr with any log_line_prefix, syslog, csvlog, jsonlog, Cloud SQL \
        exports) and pg_stat_statements exports (CSV or JSON), plain or compressed (.gz, .bz2). \
        The format and the log_line_prefix are detected from the content. Statements are grouped by \
        libpg_query fingerprint; within each session, runs of the same statement reveal N+1 \
        queries, row-by-row inserts and repeated identical queries.

        Log every statement with its duration (log_min_duration_statement = 0) to see everything.

        Examples:
          sargable analyze samples/logs/app.log
          sargable analyze --format html postgresql-15-main.log.1.gz > report.html
          sargable analyze --log-line-prefix '%t [%p]: user=%u,db=%d ' postgresql.log
          zcat postgresql-*.csv.gz | sargable analyze --format json --top 0 -

        On many machines: summarize each host's logs where they are, then merge the summaries; \
        the report is exactly that of analyzing all the logs together.
          sargable analyze --format summary /var/log/postgresql/*.log > $(hostname).summary
          sargable analyze --merge *.summary
        """
    )

    @Option(help: "Output format.")
    var format: AnalyzeFormat = .text

    @Option(name: .customLong("format-in"), help: "Input format (detected from the content when omitted).")
    var inputFormat: LogFormat?

    @Option(help: ArgumentHelp("The server's log_line_prefix, for stderr logs (detected when omitted).", valueName: "prefix"))
    var logLinePrefix: String?

    @Option(help: "How many statements to list, by total time (0: all).")
    var top = 20

    @Option(help: "Executions in one session that make a run (n-plus-one, row-by-row-insert, repeated-identical-query).")
    var minimumRun = 3

    @Option(help: "Largest gap, in seconds, between the executions of a run.")
    var maximumGap = 1.0

    @Flag(help: ArgumentHelp("""
        The paths are log summaries (written with --format summary, plain or compressed) to \
        merge into one report, or into one summary with --format summary. The analysis options \
        are those the summaries were written with.
        """))
    var merge = false

    @Flag(help: ArgumentHelp("""
        Replace every constant in the reported statements with $n, and leave out bind parameter \
        values and auto_explain plans: for reports shared outside the team. Passwords are hidden \
        in every report either way.
        """))
    var redactParameters = false

    @Option(help: FailOn.help)
    var failOn: FailOn = .never

    @OptionGroup var colour: ColourOptions

    @OptionGroup var configFile: ConfigurationFileOption

    @Argument(help: ArgumentHelp("Log files, directories (searched recursively) or - for standard input.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one log file, or - to read standard input") }
        guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
        guard minimumRun >= 2 else { throw ValidationError("--minimum-run must be at least 2") }
        guard maximumGap.isFinite, maximumGap >= 0 else {
            throw ValidationError("--maximum-gap must be a finite number of seconds, 0 or more (got \(maximumGap))")
        }
    }

    func run() throws {
        let configuration = try configFile.load()
        var settings = LogAnalysis.Settings(format: inputFormat, prefix: logLinePrefix.map(LogLinePrefix.init))
        settings.options.minimumRun = minimumRun
        settings.options.maximumGapSeconds = maximumGap
        settings.options.redactParameters = redactParameters
        if format == .summary && !merge {
            let (summary, unreadInput) = Self.summarizeLogs(paths, settings: settings)
            Terminal.print(summary.encoded(), terminator: "")
            if unreadInput { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
            return
        }
        let analysis: WorkloadReport
        let unreadInput: Bool
        if merge {
            guard let summary = Self.mergeSummaries(paths) else { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
            // The inputs' problems, as analyzing the logs themselves shows them.
            Self.show(summary.inputProblems, files: summary.inputFiles)
            let failedInput = summary.inputProblems.contains { $0.kind == .error }
            if format == .summary {
                Terminal.print(summary.encoded(), terminator: "")
                if failedInput { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
                return
            }
            (analysis, unreadInput) = (LargeStack.run { summary.report() }, failedInput)
        } else {
            (analysis, unreadInput) = Self.readLogs(paths, settings: settings)
        }
        var report = analysis
        report.findings = analysis.findings.compactMap { configuration.graded($0, \.finding) }
        let insights = LoggedPlanInsights.findings(in: report)
        for problem in insights.unreadable { Terminal.standardError("sargable: warning: \(problem)") }
        report.planFindings = insights.findings.compactMap { configuration.graded($0, \.finding) }
        switch format {
        case .text: Terminal.print(AnalyzeTextReport(report: report, top: top, colour: colour.onStandardOutput).render(), terminator: "")
        case .json:
            var trimmed = report
            if top > 0 { trimmed.queries = Array(trimmed.queries.prefix(top)) }
            Terminal.print(JSONText.encode(trimmed))
        case .html: Terminal.print(AnalyzeHTMLReport(report: report, top: top).render(), terminator: "")
        case .summary: break
        }
        if unreadInput { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        if failOn.fails(report.findings.map(\.finding.severity) + report.planFindings.map(\.finding.severity)) {
            throw ExitCode(SargableExitCode.findings.rawValue)
        }
    }
}

extension AnalyzeCommand {
    /// Reads `paths` (files, directories, `-`) as `sargable analyze` does, for it and for `doctor
    /// --log`: each problem one line on stderr with its place, the rest of the input still read.
    /// True in `unreadInput` when an input, or part of one, could not be read at all.
    static func readLogs(_ paths: [String], settings: LogAnalysis.Settings) -> (report: WorkloadReport, unreadInput: Bool) {
        let (files, expandErrors) = InputFiles.expand(paths, extensions: [".log", ".csv", ".json", ".gz", ".bz2"],
                                                     skipped: { Terminal.note($0.description) })
        for error in expandErrors { Terminal.error(error.description) }
        let progress = AnalyzeProgress(enabled: Terminal.standardErrorIsTerminal)
        let (report, problems) = LargeStack.run {
            LogAnalysis.run(paths: files, settings: settings, progress: progress.update)
        }
        progress.clear()
        show(problems, files: report.summary.files)
        return (report, problems.contains { $0.kind == .error } || !expandErrors.isEmpty)
    }

    /// Each problem one line on stderr with its place, and the unreadable lines of each input.
    private static func show(_ problems: [LogAnalysis.Problem], files: [WorkloadReport.FileSummary]) {
        for problem in problems {
            if problem.kind == .warning {
                Terminal.standardError("sargable: warning: \(problem.description)")
            } else {
                Terminal.error(problem.description)
            }
        }
        for file in files where file.unreadableLines > 0 {
            let lines = file.unreadableLineNumbers.map(String.init).joined(separator: ", ")
            Terminal.note("\(file.path): \(file.unreadableLines) unreadable lines (first at lines \(lines))")
        }
    }

    /// `--format summary`: the logs' mergeable summary, their problems on stderr as `analyze` gives them.
    static func summarizeLogs(_ paths: [String], settings: LogAnalysis.Settings) -> (summary: LogSummary, unreadInput: Bool) {
        let (files, expandErrors) = InputFiles.expand(paths, extensions: [".log", ".csv", ".json", ".gz", ".bz2"],
                                                     skipped: { Terminal.note($0.description) })
        for error in expandErrors { Terminal.error(error.description) }
        let summary = LargeStack.run { LogSummary.summarize(paths: files, settings: settings) }
        show(summary.inputProblems, files: summary.inputFiles)
        return (summary, summary.inputProblems.contains { $0.kind == .error } || !expandErrors.isEmpty)
    }

    /// `--merge`: the summaries read and merged, or nil after one line on stderr for each that
    /// cannot be (not a summary, another version, truncated, made with other options).
    static func mergeSummaries(_ paths: [String]) -> LogSummary? {
        var parts: [LogSummary] = []
        var failed = false
        for path in paths {
            do {
                parts.append(try LogSummary.read(path: path))
            } catch {
                Terminal.error(error.description)
                failed = true
            }
        }
        guard !failed else { return nil }
        if let mismatch = LogSummary.optionsMismatch(parts, paths: paths.map(InputFiles.displayName)) {
            Terminal.error(mismatch)
            return nil
        }
        return LargeStack.run { LogSummary.merge(parts) }
    }
}

enum AnalyzeFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, html, summary
}

extension LogFormat: ExpressibleByArgument {}

/// One line on stderr, rewritten in place, for inputs that take more than a second.
final class AnalyzeProgress: @unchecked Sendable {
    private let enabled: Bool
    private var started = ContinuousClock.now
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    var update: LogAnalysis.Progress? {
        guard enabled else { return nil }
        return { [self] path, bytes, total in
            guard ContinuousClock.now - started > .seconds(1) else { return }
            let megabytes = Double(bytes) / 1_048_576
            var line = "\r\u{1B}[Kanalyzing \(path): \(Int(megabytes)) MB"
            if let total, total > 0 { line += " (\(min(100, bytes * 100 / total))%)" }
            writeStandardError(line)
            shown = true
        }
    }

    func clear() {
        if shown { writeStandardError("\r\u{1B}[K") }
    }
}

private func writeStandardError(_ text: String) {
    Terminal.writeStandardError(text)
}
