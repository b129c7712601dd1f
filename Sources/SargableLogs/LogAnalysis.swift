import SargableCore

/// Reads log files into a workload report: the whole of `sargable analyze` below the command line.
public enum LogAnalysis {
    /// A problem with one input, worded for `sargable: error: …`.
    public struct Problem: Sendable, CustomStringConvertible {
        public var path: String
        public var line: Int?
        public var message: String
        public var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
    }

    public struct Settings: Sendable {
        public var format: LogFormat?
        public var prefix: LogLinePrefix?
        public var options = WorkloadAnalyzer.Options()
        public init(format: LogFormat? = nil, prefix: LogLinePrefix? = nil) {
            self.format = format
            self.prefix = prefix
        }
    }

    /// Progress for one input: its path, bytes read so far, and its size when known.
    public typealias Progress = (_ path: String, _ bytesRead: Int, _ totalBytes: Int?) -> Void

    public static func run(paths: [String], settings: Settings = Settings(),
                           progress: Progress? = nil) -> (report: WorkloadReport, problems: [Problem]) {
        let analyzer = WorkloadAnalyzer(options: settings.options)
        let assembler = StatementAssembler()
        var summary = WorkloadReport.Summary()
        var problems: [Problem] = []
        for path in paths {
            let name = InputFiles.displayName(path)
            do {
                let reader = try LogReader(input: LogInput(path: path), format: settings.format, prefix: settings.prefix)
                assembler.beginFile(name) { analyzer.add($0) }
                analyzer.endSessions(assembler.sessions)
                let entriesBefore = assembler.entries
                var nextProgress = 8 << 20
                try reader.read { entry in
                    assembler.add(entry) { analyzer.add($0) }
                    if let progress, reader.bytesConsumed >= nextProgress {
                        progress(name, reader.bytesConsumed, reader.input.fileSize)
                        nextProgress = reader.bytesConsumed + (8 << 20)
                    }
                }
                assembler.finish { analyzer.add($0) }
                if reader.format == .pgStatStatements { analyzer.add(reader.statStatements) }
                let entries = reader.format == .pgStatStatements ? reader.statStatements.count : assembler.entries - entriesBefore
                summary.entries += entries
                summary.unreadableLines += reader.unreadable.count
                summary.format = summary.format.map { $0 == reader.format.rawValue ? $0 : "mixed" } ?? reader.format.rawValue
                if let prefix = reader.prefix?.text { summary.logLinePrefix = summary.logLinePrefix ?? prefix }
                summary.files.append(WorkloadReport.FileSummary(
                    path: name, format: reader.format.rawValue, compression: reader.input.compression.rawValue,
                    logLinePrefix: reader.prefix?.text, entries: entries, unreadableLines: reader.unreadable.count,
                    unreadableLineNumbers: reader.unreadable.firstLines))
                if entries == 0, let problem = nothingRead(reader, path: name) { problems.append(problem) }
            } catch {
                problems.append(Problem(path: name, line: nil, message: error.reason))
            }
        }
        return (analyzer.report(summary: summary, sessions: assembler.sessions), problems)
    }

    /// Never report zero queries silently: show a line and the prefix it would need.
    private static func nothingRead(_ reader: LogReader, path: String) -> Problem? {
        guard let example = reader.exampleLine else { return nil }
        var message = "no \(reader.format.rawValue) entries could be read"
        if reader.format == .stderr || reader.format == .syslog {
            message += reader.prefix.map { " with log_line_prefix '\($0.text)'" } ?? " (no log_line_prefix fits its lines)"
            var bytes = Array(example.utf8)
            if let start = bytes.withUnsafeBufferPointer({ LogLinePrefix.severityStart(in: $0) }) {
                bytes = Array(bytes[..<start])
                let suggestion = bytes.withUnsafeBufferPointer { LogLinePrefix.describe($0) }
                message += "; the first line is '\(example)', which needs --log-line-prefix '\(suggestion)'"
            } else {
                message += "; the first line is '\(example)' and has no severity word (LOG:, ERROR:); is this a PostgreSQL log?"
            }
        } else {
            message += "; the first line is '\(example)'"
        }
        return Problem(path: path, line: reader.unreadable.firstLines.first, message: message)
    }
}
