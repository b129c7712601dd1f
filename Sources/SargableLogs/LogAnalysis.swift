import Foundation
import SargableCore
import SargableSyntax

/// Reads log files into a workload report: the whole of `sargable analyze` below the command line.
public enum LogAnalysis {
    /// A problem with one input, worded for `sargable: error: …`.
    public struct Problem: Sendable, CustomStringConvertible {
        /// An error means an input (or part of it) could not be read at all; a warning, that a
        /// value was refused and the rest of its line was still used.
        public enum Kind: String, Sendable { case error, warning }
        public var path: String
        public var line: Int?
        public var message: String
        public var kind: Kind = .error
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
    public typealias Progress = @Sendable (_ path: String, _ bytesRead: Int, _ totalBytes: Int?) -> Void

    public static func run(paths: [String], settings: Settings = Settings(),
                           progress: Progress? = nil) -> (report: WorkloadReport, problems: [Problem]) {
        let analyzer = WorkloadAnalyzer(options: settings.options)
        // A pipeline, one thread a stage: lines are read and matched, statements assembled,
        // texts fingerprinted (on every core), and this thread aggregates. The queues between
        // them hold a few batches, so memory stays flat.
        let queue = BoundedQueue<LogBatch>(capacity: 4)
        let reading = WorkerThreads.start(stackBytes: 16 << 20) {
            read(paths: paths, settings: settings, progress: progress, into: queue)
        }
        let identified = BoundedQueue<LogBatch>(capacity: 4)
        let threads = settings.options.threads
        let identifying = WorkerThreads.start(stackBytes: 16 << 20) {
            let identities = StatementIdentities(threads: threads)
            while let message = queue.pop() {
                guard case .executions(let executions, let ended, nil) = message else {
                    identified.push(message)
                    continue
                }
                identified.push(.executions(executions, ended: ended, identified: identities.identify(executions)))
            }
            identified.close()
        }
        while let message = identified.pop() {
            switch message {
            case .executions(let executions, let ended, let identities):
                if let identities {
                    analyzer.add(contentsOf: executions, identified: identities)
                } else {
                    analyzer.add(contentsOf: executions)
                }
                analyzer.endSessions(ended)
            case .statStatements(let rows): analyzer.add(rows)
            }
        }
        identifying.join()
        let (summary, operations, problems) = reading.join()
        return (analyzer.report(summary: summary, operations: operations), problems)
    }

    private static func read(paths: [String], settings: Settings, progress: Progress?,
                             into queue: BoundedQueue<LogBatch>) -> (WorkloadReport.Summary, OperationalReport, [Problem]) {
        let assembler = StatementAssembler()
        let events = ServerEventCollector(hidingLiterals: settings.options.redactParameters)
        var summary = WorkloadReport.Summary()
        var problems: [Problem] = []
        var batch: [Execution] = []
        let batchSize = 4096
        func emit(_ execution: Execution) {
            batch.append(execution)
            if batch.count >= batchSize { send() }
        }
        // Sessions that ended travel with the batch holding their last executions.
        func send() {
            let ended = assembler.takeEndedSessions()
            guard !batch.isEmpty || !ended.isEmpty else { return }
            queue.push(.executions(batch, ended: ended))
            batch.removeAll(keepingCapacity: true)
        }
        // Where the previous input ended, to tell whether the next one continues it.
        var previous: (format: LogFormat, lastTime: Double?)?
        for path in inTimeOrder(paths, settings: settings) {
            let name = InputFiles.displayName(path)
            var opened: LogReader?
            do {
                let reader = try LogReader(input: LogInput(path: path), format: settings.format, prefix: settings.prefix)
                opened = reader
                assembler.beginFile(name, continuing: previous.map { Self.continues($0, with: reader) } ?? false, emit: emit)
                events.beginFile(name)
                previous = nil
                var lastTime: Double?
                let entriesBefore = events.entries
                let withoutSessionBefore = assembler.entriesWithoutSession
                var nextProgress = 8 << 20
                try reader.readConcurrently { entry, bytesRead in
                    if let time = entry.time { lastTime = max(lastTime ?? time, time) }
                    assembler.add(entry, emit: emit)
                    events.add(entry)
                    if let progress, bytesRead >= nextProgress {
                        progress(name, bytesRead, reader.input.fileSize)
                        nextProgress = bytesRead + (8 << 20)
                    }
                }
                previous = (reader.format, lastTime)
                send()
                if reader.format == .pgStatStatements { queue.push(.statStatements(reader.statStatements)) }
                let entries = reader.format == .pgStatStatements ? reader.statStatements.count : events.entries - entriesBefore
                account(reader, name: name, entries: entries, entriesWithoutSession: assembler.entriesWithoutSession > withoutSessionBefore,
                        assemblerWarnings: assembler.takeWarnings(), settings: settings, summary: &summary, problems: &problems)
            } catch {
                previous = nil
                assembler.finish(emit: emit)
                send()
                problems += refusedValues(opened?.warnings ?? InputWarnings(), assembler.takeWarnings(), path: name)
                problems.append(Problem(path: name, line: nil, message: error.reason))
            }
        }
        assembler.finish(emit: emit)
        send()
        summary.peakSessions = assembler.sessionPeak
        queue.close()
        return (summary, events.finish(), problems)
    }

    /// Adds what one input read to the summary, and its problems: values refused, nothing read,
    /// a prefix without a session key, or one of several that fit.
    static func account(_ reader: LogReader, name: String, entries: Int, entriesWithoutSession: Bool, assemblerWarnings: InputWarnings,
                        settings: Settings, summary: inout WorkloadReport.Summary, problems: inout [Problem]) {
        summary.entries += entries
        summary.unreadableLines += reader.unreadable.count
        summary.format = summary.format.map { $0 == reader.format.rawValue ? $0 : "mixed" } ?? reader.format.rawValue
        if let prefix = reader.prefix?.text { summary.logLinePrefix = summary.logLinePrefix ?? prefix }
        summary.files.append(WorkloadReport.FileSummary(
            path: name, format: reader.format.rawValue, compression: reader.input.compression.rawValue,
            logLinePrefix: reader.prefix?.text, logLinePrefixDetection: reader.prefixDetection?.explanation, entries: entries, unreadableLines: reader.unreadable.count,
            unreadableLineNumbers: reader.unreadable.firstLines))
        problems += refusedValues(reader.warnings, assemblerWarnings, path: name)
        if entries == 0, let problem = nothingRead(reader, path: name, hidingLiterals: settings.options.redactParameters) {
            problems.append(problem)
        }
        if entriesWithoutSession, let prefix = reader.prefix, !prefix.identifiesSessions {
            problems.append(Problem(path: name, line: nil, message: "log_line_prefix '\(prefix.text)' has no session key, "
                + "so sessions cannot be told apart: executions are counted, but no per-session findings "
                + "(n-plus-one, row-by-row-insert, repeated-identical-query) are reported; add %p (or %c) to log_line_prefix",
                kind: .warning))
        }
        if let detection = reader.prefixDetection, !detection.rivals.isEmpty {
            let candidates = ([detection.prefix] + detection.rivals).map { "'\($0.text)'" }.joined(separator: " or ")
            problems.append(Problem(path: name, line: nil, message: "the log fits log_line_prefix \(candidates) "
                + "equally well and the first was used; state the right one with --log-line-prefix", kind: .warning))
        }
    }

    /// Rotated files given together are read in the order they were written, by the time of
    /// their first entry rather than by name. Inputs that cannot be read twice (stdin, pipes),
    /// cannot be opened, or have no time in their first lines keep their places.
    static func inTimeOrder(_ paths: [String], settings: Settings) -> [String] {
        guard paths.count > 1 else { return paths }
        let times = paths.map { path -> Double? in
            var status = stat()
            guard path != "-", stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            return (try? LogReader(input: LogInput(path: path), format: settings.format, prefix: settings.prefix))?.firstTime
        }
        let timed = paths.indices.filter { times[$0] != nil }
        let ordered = timed.sorted { (times[$0]!, $0) < (times[$1]!, $1) }
        var result = paths
        for (slot, index) in zip(timed, ordered) { result[slot] = paths[index] }
        return result
    }

    /// A file continues the one read before it (a rotated log) when it is in the same format
    /// and does not start before that one ended (a second apart at most: the logging collector
    /// may write a line a little out of order). Files that overlap are different servers' logs.
    static func continues(_ previous: (format: LogFormat, lastTime: Double?), with reader: LogReader) -> Bool {
        continues(previous, with: (reader.format, reader.firstTime))
    }

    static func continues(_ previous: (format: LogFormat, lastTime: Double?), with next: (format: LogFormat, firstTime: Double?)) -> Bool {
        guard previous.format == next.format, next.format != .pgStatStatements else { return false }
        guard let last = previous.lastTime, let first = next.firstTime else { return true }
        return first >= last - 1
    }

    /// One warning per refused value, in line order, and a count of those not shown.
    static func refusedValues(_ lists: InputWarnings..., path: String) -> [Problem] {
        var all = InputWarnings()
        for list in lists { all.append(list) }
        var problems = all.first.sorted { $0.line < $1.line }.map {
            Problem(path: path, line: $0.line, message: $0.message, kind: .warning)
        }
        if all.count > all.first.count {
            problems.append(Problem(path: path, line: nil, message: "\(all.count - all.first.count) more values refused", kind: .warning))
        }
        return problems
    }

    /// Never report zero queries silently: show a line and the prefix it would need.
    private static func nothingRead(_ reader: LogReader, path: String, hidingLiterals: Bool) -> Problem? {
        guard let line = reader.exampleLine else { return nil }
        // Shown on a terminal: control characters and undecodable bytes are escaped, long lines cut.
        func shown(_ text: String) -> String {
            text.unicodeScalars.prefix(160).map { scalar -> String in
                scalar.properties.generalCategory == .control || scalar == "\u{FFFD}"
                    ? scalar.escaped(asASCII: true) : String(scalar)
            }.joined() + (text.unicodeScalars.count > 160 ? "…" : "")
        }
        // The line may be a statement with a password (or, for shared reports, any constant);
        // the prefix suggestion is worked out from the line as it is.
        let example = shown(hidingLiterals ? Redaction.hidingLiterals(in: line) : Redaction.hidingPasswords(in: line))
        var message = "no \(reader.format.rawValue) entries could be read"
        if reader.format == .stderr || reader.format == .syslog {
            message += reader.prefix.map { " with log_line_prefix '\($0.text)'" } ?? " (no log_line_prefix fits its lines)"
            var bytes = Array(shown(line).utf8)
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

/// What the reading thread hands the aggregating one.
enum LogBatch {
    /// `identified` once `StatementIdentities` has fingerprinted the texts.
    case executions([Execution], ended: [(session: Int, info: SessionInfo)], identified: IdentifiedBatch? = nil)
    case statStatements([StatStatementsRow])
}
