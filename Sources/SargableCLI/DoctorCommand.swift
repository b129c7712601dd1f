import ArgumentParser
import SargableCore
import SargableLint
import SargableLogs
import SargablePostgres
import SargableRules
import SargableSchema

/// `sargable doctor`: the operational checklist (settings, index health, connections,
/// multi-tenancy) on a live server. A command of its own rather than a `lint` mode: it reads no
/// SQL files, and its report is grouped by checklist section.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        // Parsed as the root by `Sargable.parsedDirectly`: no completion-script request to look for.
        _superCommandName: "sargable",
        abstract: "Check a live server against the operational checklist: settings, index health, connections, multi-tenancy.",
        discussion: """
        Reads pg_settings, pg_db_role_setting, the catalog and its statistics in a read-only \
        transaction and runs the checklist's rules (`sargable rules` lists them; the README maps \
        each checklist item to its rule). Each setting finding says the ALTER SYSTEM or ALTER ROLE \
        to run. Configuration (`.sargable.yml` or --config) turns rules off, regrades them and sets \
        their options, as for lint.

        With --log, the server's log files (any format `sargable analyze` reads) give the most \
        sessions open at once, which connections-near-limit weighs beside pg_stat_activity: exact \
        when log_connections and log_disconnections are on, else estimated from each session's \
        first and last line (and labelled so).

        Exit codes: 0 no finding at or above --fail-on (default warning); 1 a finding at or above it; \
        2 usage error, bad configuration, a server that cannot be read or a log (or part of one) \
        that cannot be read (the report is still printed).

        Examples:
          sargable doctor --database postgresql://admin@db/app
          sargable doctor --database '' --app-nodes 4 --fail-on error
          sargable doctor --format sarif > health.sarif
          sargable doctor --log /var/log/postgresql/postgresql-16-main.log
        """
    )

    @Option(help: "Output format: text (grouped by checklist section), json or sarif (2.1.0).")
    var format: DoctorFormat = .text

    @OptionGroup var configFile: ConfigurationFileOption

    @Option(help: FailOn.help)
    var failOn: FailOn = .warning

    @Option(help: ArgumentHelp("Application nodes sharing the server, for the pool size per node (connections-near-limit's app-nodes).",
                               valueName: "count"))
    var appNodes: Int?

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("The server's log files, directories or - (any format analyze reads), for the peak of sessions open at once.",
                               valueName: "path"))
    var log: [String] = []

    @Option(help: ArgumentHelp("The server's log_line_prefix, for --log's stderr logs (detected when omitted).", valueName: "prefix"))
    var logLinePrefix: String?

    @OptionGroup var colour: ColourOptions

    @OptionGroup var connection: DatabaseOptions

    func validate() throws {
        if let appNodes, appNodes < 1 { throw ValidationError("--app-nodes takes a count of at least 1") }
        if logLinePrefix != nil, log.isEmpty { throw ValidationError("--log-line-prefix applies to the files of --log; give them") }
    }

    func run() throws {
        var configuration = try configFile.load()
        if let appNodes {
            configuration.options[ConnectionsNearLimit.metadata.id, default: [:]][ConnectionsNearLimit.appNodes.name] = .integer(appNodes)
        }
        // Logs first: their problems are on stderr before the report, and a log that cannot be
        // read still leaves the server's own numbers.
        var loggedPeak: LoggedSessionPeak?
        var unreadLog = false
        if !log.isEmpty {
            let (report, unread) = AnalyzeCommand.readLogs(log, settings: LogAnalysis.Settings(prefix: logLinePrefix.map(LogLinePrefix.init)))
            unreadLog = unread
            loggedPeak = report.summary.peakSessions.map {
                LoggedSessionPeak(sessions: $0.sessions, source: $0.description, exact: $0.measure == .connectionLines)
            }
            if loggedPeak == nil {
                Terminal.note("the logs show no sessions told apart (log_line_prefix needs %p or %c) that ran a statement: connections are judged from pg_stat_activity alone")
            }
        }
        var (server, target) = try DatabaseInspection.read(connection, what: "the health") { database, limits throws(PostgresError) in
            try Catalog.readHealth(database, limits: limits)
        }
        server.loggedPeak = loggedPeak
        let findings = HealthChecks.run(server, configuration: configuration).compactMap { configuration.graded($0.finding) }
        let report = LintReport(findings: findings)
        switch format {
        case .text:
            let appNodes = ConnectionsNearLimit.appNodes.value(in: configuration.optionValues(
                of: ConnectionsNearLimit.metadata.id, declared: ConnectionsNearLimit.options))
            Terminal.print(Self.text(findings, server: server, appNodes: appNodes, target: target,
                                     colour: colour.onStandardOutput), terminator: "")
        case .json:
            Terminal.printBytes(LintReporter.jsonBytes(report))
        case .sarif:
            Terminal.print(LintCommand.sarif(report))
        }
        if unreadLog { throw ExitCode(SargableExitCode.usageOrInputError.rawValue) }
        if failOn.fails(findings.map(\.severity)) { throw ExitCode(SargableExitCode.findings.rawValue) }
    }

    /// One block per checklist section, in checklist order: its findings (`ok` when none), and
    /// under Connections the numbers and the pool-sizing formula; then a summary line.
    static func text(_ findings: [Finding], server: ServerHealth, appNodes: Int, target: String, colour: Bool) -> String {
        let style = TextStyle(enabled: colour)
        let sections = HealthChecks.sections
        var out = ""
        for section in HealthSection.allCases {
            out += style.bold(section.rawValue) + "\n"
            if section == .connections, let sizing = PoolSizing(server, appNodes: appNodes) {
                out += "  \(server.connections) client connection\(server.connections == 1 ? "" : "s") now; \(sizing.formula)\n"
                if let peak = server.loggedPeak { out += "  peak in the logs: \(peak.source)\n" }
            }
            if section == .indexes { out += "  \(server.statisticsAge)\n" }
            let own = findings.filter { sections[$0.rule] == section }
            if own.isEmpty { out += "  ok\n" }
            for finding in own {
                out += "  " + style.severity(finding.severity, "\(finding.severity.rawValue)[\(finding.rule)]") + ": \(finding.message)\n"
                out += "    = help: \(finding.help)\n"
            }
            out += "\n"
        }
        out += "\(LintReporter.findingCount(findings)) on \(target)\n"
        return out
    }
}

enum DoctorFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif
}
