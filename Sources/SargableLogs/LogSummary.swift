import Foundation
import SargableCore

/// A mergeable summary of a log (`sargable analyze --format summary`): one file's, or several
/// merged. Merging the summaries of a log's files in any grouping gives exactly the report of
/// analyzing the files together, so each host (or job) can summarize its own logs.
///
/// Sessions that both start and end inside the summarized files are aggregated: counts, exact
/// sums, minima and maxima, the duration histogram, the earliest examples, the slowest
/// executions. A session open at a boundary (running when the first file starts, or still open
/// when the last one ends) cannot be finished without its neighbour. It is cut wherever it
/// can be cut cleanly (`StatementAssembler.cutsCleanly`: a finished statement, then a pause
/// longer than the detectors' gap): what lies between two cuts is kept as a segment's totals
/// (`WorkloadAnalyzer.SessionSegment`), only what lies between a boundary and the nearest cut
/// as entries. The merge that finds both ends of a session runs those entries through the same
/// assembler and detectors and adds the segments up in order, as one pass would.
///
/// The file is two lines of JSON: a header (`kind`, `version`), so a wrong file is told from a
/// damaged one, then the state. JSON because a summary is small next to its log, is read by
/// any tool, and compresses well: pipe it through gzip; `--merge` reads .gz and .bz2 as it
/// reads logs.
public struct LogSummary: Codable {
    public static let kind = "sargable-log-summary"
    public static let version = 2

    /// The analysis options the summary was made with: summaries merge only with their like.
    struct Options: Codable, Equatable {
        var minimumRun: Int
        var maximumGapSeconds: Double
        var redactParameters: Bool
        init(_ options: WorkloadAnalyzer.Options) {
            minimumRun = options.minimumRun
            maximumGapSeconds = options.maximumGapSeconds
            redactParameters = options.redactParameters
        }
        func apply(to options: inout WorkloadAnalyzer.Options) {
            options.minimumRun = minimumRun
            options.maximumGapSeconds = maximumGapSeconds
            options.redactParameters = redactParameters
        }
    }

    /// `%c`, else `%p`, as the assembler tells sessions apart.
    enum SessionKey: Hashable, Codable {
        case id(String), pid(Int), unknown
        init(_ entry: LogEntry) {
            self = entry.sessionID.map { .id($0) } ?? entry.pid.map { .pid($0) } ?? .unknown
        }
    }

    /// One input: what decides whether the next continues it, and its session peak's state.
    struct File: Codable {
        var name: String
        var format: LogFormat
        var firstTime: Double?
        var lastTime: Double?
        /// Could not be read to its end: every session ends with it.
        var failed: Bool
        /// Could not be opened at all: every session ended with the input before it.
        var unopened: Bool?
        var peak: SessionPeakCounter
    }

    struct RawEntry: Codable {
        var file: Int
        var entry: LogEntry
        // One letter a field: a summary can hold many entries.
        private enum CodingKeys: String, CodingKey { case file = "f", entry = "e" }
    }

    /// Part of a session open at a boundary: entries still to be assembled (between a boundary and
    /// the nearest cut), or a segment between two cuts, added up.
    enum Piece: Codable {
        case entries([RawEntry])
        case segment(WorkloadAnalyzer.StoredSegment)

        func shifted(files offset: Int) -> Piece {
            switch self {
            case .entries(let entries): return .entries(entries.map { RawEntry(file: $0.file + offset, entry: $0.entry) })
            case .segment(var segment):
                segment.shift(files: offset)
                return .segment(segment)
            }
        }
    }

    /// A session open at a boundary of the summarized files, kept as its pieces in order.
    struct RawSession: Codable {
        var key: SessionKey
        /// Its first entry is in these files: false while it may continue one from before.
        var startKnown: Bool
        var ended: Bool
        /// The input whose end (or whose line) ended it: statements it left pending complete there.
        var endFile: Int?
        var pieces: [Piece]
        /// Its span's number in each input's peak counter.
        var spans: [Int: Int]

        /// `later`'s pieces after these: entries on both sides of a boundary join (a boundary is no cut).
        mutating func append(_ later: [Piece]) {
            var rest = later[...]
            if case .entries(let tail)? = pieces.last, case .entries(let head)? = rest.first {
                pieces[pieces.count - 1] = .entries(tail + head)
                rest = rest.dropFirst()
            }
            pieces += rest
        }
    }

    struct StoredProblem: Codable {
        var path: String
        var line: Int?
        var message: String
        var warning: Bool
        init(_ problem: LogAnalysis.Problem) {
            path = problem.path
            line = problem.line
            message = problem.message
            warning = problem.kind == .warning
        }
        var problem: LogAnalysis.Problem { LogAnalysis.Problem(path: path, line: line, message: message, kind: warning ? .warning : .error) }
    }

    var options: Options
    var files: [File]
    var summary: WorkloadReport.Summary
    var analyzer: WorkloadAnalyzer.State
    var events: ServerEventCollector.State
    var sessions: [RawSession]
    /// Every session key met: a session of the next part with one of these keys, and no open
    /// session here to continue, is a new one.
    var keysSeen: Set<SessionKey>
    /// Keys first met on a `connection received` line, and in which input: a session open
    /// before these files with that key ended there.
    var restartKeys: [SessionKey: Int]
    /// The first input after which every session ended (an unreadable end, or a next input that
    /// does not continue it).
    var breakAfter: Int?
    var problems: [StoredProblem]

    public var inputProblems: [LogAnalysis.Problem] { problems.map(\.problem) }
    public var inputFiles: [WorkloadReport.FileSummary] { summary.files }
}

// MARK: writing a summary

extension LogSummary {
    /// Summarizes each input, then merges them in time order: the same as `merge` of each
    /// input's own summary.
    public static func summarize(paths: [String], settings: LogAnalysis.Settings) -> LogSummary {
        let parts = LogAnalysis.inTimeOrder(paths, settings: settings).map { summarize(path: $0, settings: settings) }
        return parts.dropFirst().reduce(parts.first ?? empty(settings: settings)) { merged($0, $1, settings: settings) }
    }

    static func empty(settings: LogAnalysis.Settings) -> LogSummary {
        LogSummary(options: Options(settings.options), files: [], summary: WorkloadReport.Summary(),
                   analyzer: WorkloadAnalyzer(options: settings.options).state(),
                   events: ServerEventCollector(hidingLiterals: settings.options.redactParameters).state(),
                   sessions: [], keysSeen: [], restartKeys: [:], breakAfter: nil, problems: [])
    }

    /// One input. Its entries go to the event collector as they come; each session's are held
    /// until it ends or can be cut cleanly, then assembled and aggregated, or kept raw while they
    /// may continue a session of the input before.
    static func summarize(path: String, settings: LogAnalysis.Settings) -> LogSummary {
        let name = InputFiles.displayName(path)
        let assembler = StatementAssembler()
        assembler.countsPeak = false
        var options = settings.options
        options.stableIdenticalKeys = true
        let analyzer = WorkloadAnalyzer(options: options)
        let events = ServerEventCollector(hidingLiterals: settings.options.redactParameters)
        var result = empty(settings: settings)
        var problems: [LogAnalysis.Problem] = []
        var peak = SessionPeakCounter()
        /// A segment assembled, to be taken out of the analyzer with the next batch.
        final class Slot {
            var ordinal: Int
            var info: SessionInfo
            var segment: WorkloadAnalyzer.SessionSegment?
            init(ordinal: Int, info: SessionInfo) {
                self.ordinal = ordinal
                self.info = info
            }
        }
        enum OpenPiece {
            case entries([LogEntry])
            case slot(Slot)
        }
        struct Open {
            var span: Int
            var startKnown: Bool
            var entries: [LogEntry] = []
            /// What came before the latest cut.
            var pieces: [OpenPiece] = []
            /// The latest entry other than a DETAIL or STATEMENT line, where a cut may follow.
            var lastPrimary: LogEntry?
        }
        var open: [SessionKey: Open] = [:]
        var spans = 0
        var entriesWithoutSession = false
        // Ended sessions and segments go to the analyzer in bulk: each handover fingerprints a batch.
        var endedSessions: [(session: Int, info: SessionInfo)] = []
        var slots: [Slot] = []
        var wholeSessions: [[Slot]] = []
        var kept: [(session: RawSession, pieces: [OpenPiece])] = []

        func handOver() {
            analyzer.endSessions(endedSessions)
            endedSessions.removeAll()
            for slot in slots { slot.segment = analyzer.detach(slot.ordinal) }
            slots.removeAll()
            for parts in wholeSessions {
                let info = parts.dropFirst().reduce(parts[0].info) { $0.completed(by: $1.info) }
                analyzer.attach(parts.map { $0.segment! }, as: analyzer.sessionNumberForMerge(), info: info)
            }
            wholeSessions.removeAll()
        }
        /// Assembles entries of one session; its statements ran in `span`.
        func assemble(_ entries: [LogEntry], span: Int) -> [(session: Int, info: SessionInfo)] {
            for entry in entries { assembler.add(entry, emit: analyzer.add) }
            assembler.finish(emit: analyzer.add)
            if !assembler.ranStatements.isEmpty { peak.ranStatement(span) }
            assembler.ranStatements.removeAll()
            return assembler.takeEndedSessions()
        }
        func segment(_ entries: [LogEntry], span: Int) -> OpenPiece? {
            // One session's entries since its start or a cut: the assembler ends exactly one.
            guard let (ordinal, info) = assemble(entries, span: span).first else { return nil }
            let slot = Slot(ordinal: ordinal, info: info)
            slots.append(slot)
            if slots.count >= 1024 { handOver() }
            return .slot(slot)
        }
        func cut(_ key: SessionKey) {
            guard var session = open[key] else { return }
            let entries = session.entries
            session.entries = []
            if session.pieces.isEmpty && !session.startKnown {
                session.pieces.append(.entries(entries))
            } else if let piece = segment(entries, span: session.span) {
                session.pieces.append(piece)
            }
            open[key] = session
        }
        func close(_ key: SessionKey, ended: Bool) {
            guard var session = open.removeValue(forKey: key) else { return }
            if session.startKnown, ended, session.pieces.isEmpty {
                endedSessions += assemble(session.entries, span: session.span)
                if endedSessions.count >= 1024 { handOver() }
                return
            }
            if !session.entries.isEmpty {
                // Entries that may continue in the next input stay entries; a session's last part is a segment.
                if !ended || (session.pieces.isEmpty && !session.startKnown) {
                    session.pieces.append(.entries(session.entries))
                } else if let piece = segment(session.entries, span: session.span) {
                    session.pieces.append(piece)
                }
            }
            if session.startKnown, ended {
                wholeSessions.append(session.pieces.compactMap { if case .slot(let slot) = $0 { slot } else { nil } })
                return
            }
            kept.append((RawSession(key: key, startKnown: session.startKnown, ended: ended, endFile: ended ? 0 : nil, pieces: [],
                                    spans: key == .unknown ? [:] : [0: session.span]), session.pieces))
        }

        var lastTime: Double?
        func fail(_ reason: String) {
            file.failed = true
            result.breakAfter = 0
            problems.append(LogAnalysis.Problem(path: name, line: nil, message: reason))
        }
        var file = File(name: name, format: settings.format ?? .stderr, firstTime: nil, lastTime: nil, failed: false, peak: peak)
        let gap = settings.options.maximumGapSeconds
        do {
            let reader = try LogReader(input: LogInput(path: path), format: settings.format, prefix: settings.prefix)
            assembler.beginFile(name, emit: analyzer.add)
            events.beginFile(name)
            file.format = reader.format
            file.firstTime = reader.firstTime
            defer { file.lastTime = lastTime }
            var readError: InputError?
            do {
                try reader.readConcurrently { entry, _ in
                    if let time = entry.time { lastTime = max(lastTime ?? time, time) }
                    events.add(entry)
                    let key = SessionKey(entry)
                    let known = result.keysSeen.insert(key).inserted == false
                    if key == .unknown { entriesWithoutSession = true }
                    if key != .unknown, entry.severity == .log, StatementAssembler.startsSession(entry) {
                        close(key, ended: true)
                        if !known { result.restartKeys[key] = 0 }
                        open[key] = Open(span: spans, startKnown: true)
                        spans += 1
                    }
                    if open[key] == nil {
                        open[key] = Open(span: spans, startKnown: false)
                        spans += 1
                    }
                    if key != .unknown, !entry.severity.isSecondary {
                        if let previous = open[key]?.lastPrimary, StatementAssembler.cutsCleanly(after: previous, before: entry, gap: gap) {
                            cut(key)
                        }
                        open[key]?.lastPrimary = entry
                    }
                    open[key]?.entries.append(entry)
                    guard key != .unknown, let span = open[key]?.span else { return }
                    peak.see(span, entry)
                    if StatementAssembler.endsSession(entry) { close(key, ended: true) }
                }
                if reader.format == .pgStatStatements { analyzer.add(reader.statStatements) }
                let entries = reader.format == .pgStatStatements ? reader.statStatements.count : events.entries
                LogAnalysis.account(reader, name: name, entries: entries, entriesWithoutSession: entriesWithoutSession,
                                    assemblerWarnings: assembler.takeWarnings(), settings: settings,
                                    summary: &result.summary, problems: &problems)
            } catch {
                problems += LogAnalysis.refusedValues(reader.warnings, assembler.takeWarnings(), path: name)
                readError = error
            }
            if let readError { fail(readError.reason) }
        } catch {
            file.unopened = true
            fail(error.reason)
        }
        // Ordered by their first entry's span, the order they began in.
        for key in open.keys.sorted(by: { open[$0]!.span < open[$1]!.span }) { close(key, ended: file.failed) }
        handOver()
        result.sessions = kept.map { item in
            var session = item.session
            session.pieces = item.pieces.map { piece in
                switch piece {
                case .entries(let entries): return .entries(entries.map { RawEntry(file: 0, entry: $0) })
                case .slot(let slot): return .segment(analyzer.stored(slot.segment!, info: slot.info))
                }
            }
            return session
        }
        file.peak = peak
        result.files = [file]
        result.analyzer = analyzer.state()
        result.events = events.state()
        result.problems = problems.map(StoredProblem.init)
        return result
    }
}

// MARK: merging

extension LogSummary {
    /// Merges summaries in the order their logs were written (by their first entry's time, as
    /// files given together are read).
    public static func merge(_ parts: [LogSummary]) -> LogSummary? {
        guard let first = parts.first else { return nil }
        let timed = parts.indices.filter { parts[$0].files.first?.firstTime != nil }
        let ordered = timed.sorted { (parts[$0].files[0].firstTime!, $0) < (parts[$1].files[0].firstTime!, $1) }
        var inOrder = parts
        for (slot, index) in zip(timed, ordered) { inOrder[slot] = parts[index] }
        var settings = LogAnalysis.Settings()
        first.options.apply(to: &settings.options)
        return inOrder.dropFirst().reduce(inOrder[0]) { merged($0, $1, settings: settings) }
    }

    /// Why `parts` cannot merge (made with other analysis options than the first), naming the file.
    public static func optionsMismatch(_ parts: [LogSummary], paths: [String]) -> String? {
        guard let first = parts.first else { return nil }
        for (part, path) in zip(parts, paths).dropFirst() where part.options != first.options {
            return "\(path): was summarized with other options (--minimum-run, --maximum-gap, --redact-parameters) than \(paths[0])"
        }
        return nil
    }

    /// `left` then `right`, as if their inputs were read one after the other.
    static func merged(_ left: LogSummary, _ right: LogSummary, settings: LogAnalysis.Settings) -> LogSummary {
        let offset = left.files.count
        var result = left
        result.files += right.files
        result.problems += right.problems
        result.summary.entries += right.summary.entries
        result.summary.unreadableLines += right.summary.unreadableLines
        if let format = right.summary.format {
            result.summary.format = result.summary.format.map { $0 == format ? $0 : "mixed" } ?? format
        }
        result.summary.logLinePrefix = result.summary.logLinePrefix ?? right.summary.logLinePrefix
        result.summary.files += right.summary.files

        var incoming = right.sessions.map { session -> RawSession in
            var moved = session
            moved.endFile = session.endFile.map { $0 + offset }
            moved.pieces = session.pieces.map { $0.shifted(files: offset) }
            moved.spans = Dictionary(uniqueKeysWithValues: session.spans.map { ($0.key + offset, $0.value) })
            return moved
        }
        let continuing = left.files.last.map { last in
            !last.failed && right.files.first.map {
                $0.unopened != true && LogAnalysis.continues((last.format, last.lastTime), with: ($0.format, $0.firstTime))
            } ?? false
        } ?? true
        var openByKey: [SessionKey: Int] = [:]
        for index in result.sessions.indices where !result.sessions[index].ended { openByKey[result.sessions[index].key] = index }
        if !continuing {
            // Every session ends with the left part; the right part's begin there.
            for index in openByKey.values {
                result.sessions[index].ended = true
                result.sessions[index].endFile = offset - 1
            }
            for index in incoming.indices { incoming[index].startKnown = true }
            result.sessions += incoming
            result.breakAfter = left.breakAfter ?? (offset - 1)
        } else {
            for session in incoming {
                guard !session.startKnown else {
                    result.sessions.append(session)
                    continue
                }
                if let index = openByKey[session.key] {
                    // The same session, on both sides of the boundary.
                    result.sessions[index].append(session.pieces)
                    result.sessions[index].spans.merge(session.spans) { first, _ in first }
                    result.sessions[index].ended = session.ended
                    result.sessions[index].endFile = session.endFile
                    if session.ended { openByKey[session.key] = nil }
                } else {
                    var fresh = session
                    // Open sessions on the left are all in `openByKey`: a key met there had ended.
                    fresh.startKnown = left.keysSeen.contains(session.key) || left.breakAfter != nil
                    result.sessions.append(fresh)
                }
            }
            for (key, file) in right.restartKeys {
                guard let index = openByKey.removeValue(forKey: key) else { continue }
                result.sessions[index].ended = true
                result.sessions[index].endFile = file + offset
            }
            if let end = right.breakAfter {
                for index in openByKey.values {
                    result.sessions[index].ended = true
                    result.sessions[index].endFile = end + offset
                }
            }
            if left.breakAfter == nil {
                for (key, file) in right.restartKeys where !left.keysSeen.contains(key) { result.restartKeys[key] = file + offset }
            }
            result.breakAfter = left.breakAfter ?? right.breakAfter.map { $0 + offset }
        }
        result.keysSeen.formUnion(right.keysSeen)

        let analyzer = WorkloadAnalyzer(options: settings.options)
        analyzer.absorb(left.analyzer, fileOffset: 0)
        analyzer.absorb(right.analyzer, fileOffset: offset)
        let events = ServerEventCollector(hidingLiterals: settings.options.redactParameters)
        events.absorb(left.events)
        events.absorb(right.events)
        result.resolve(into: analyzer, settings: settings, all: false)
        result.analyzer = analyzer.state()
        result.events = events.state()
        return result
    }

    /// Runs the sessions whose both ends are known (every one, with `all`: the log starts with
    /// the first input and ends with the last) through the assembler and the detectors: their
    /// entries are assembled, and with their stored segments, added up in order.
    mutating func resolve(into total: WorkloadAnalyzer, settings: LogAnalysis.Settings, all: Bool) {
        let assembler = StatementAssembler()
        assembler.countsPeak = false
        var options = settings.options
        options.stableIdenticalKeys = true
        let analyzer = WorkloadAnalyzer(options: options)
        var kept: [RawSession] = []
        var whole: [[WorkloadAnalyzer.StoredSegment]] = []
        for var session in sessions {
            if all {
                session.startKnown = true
                if !session.ended {
                    session.ended = true
                    session.endFile = files.count - 1
                }
            }
            guard session.startKnown, session.ended else {
                kept.append(session)
                continue
            }
            var parts: [WorkloadAnalyzer.StoredSegment] = []
            for (position, piece) in session.pieces.enumerated() {
                let entries: [RawEntry]
                switch piece {
                case .segment(let stored):
                    parts.append(stored)
                    continue
                case .entries(let raw): entries = raw
                }
                // Statements run count for the input they completed in, as in one pass: a cut
                // completes them where it is, the session's end in its last input.
                func ran(in file: Int) {
                    defer { assembler.ranStatements.removeAll() }
                    guard !assembler.ranStatements.isEmpty, let span = session.spans[file] else { return }
                    files[file].peak.ranStatement(span)
                }
                var current = -1
                for raw in entries {
                    if raw.file != current {
                        current = raw.file
                        assembler.enterFile(files[current].name, ordinal: current)
                    }
                    assembler.add(raw.entry, emit: analyzer.add)
                    ran(in: current)
                }
                let end = position == session.pieces.count - 1 ? session.endFile ?? files.count - 1 : current
                if end != current { assembler.enterFile(files[end].name, ordinal: end) }
                assembler.finish(emit: analyzer.add)
                ran(in: end)
                for (ordinal, info) in assembler.takeEndedSessions() { parts.append(analyzer.stored(analyzer.detach(ordinal), info: info)) }
                let refused = assembler.takeWarnings()
                if refused.count > 0, let first = entries.first {
                    problems += LogAnalysis.refusedValues(refused, path: files[first.file].name).map(StoredProblem.init)
                }
            }
            whole.append(parts)
        }
        sessions = kept
        total.absorb(analyzer.state(), fileOffset: 0)
        for parts in whole {
            guard let first = parts.first else { continue }
            let info = parts.dropFirst().reduce(first.info) { $0.completed(by: $1.info) }
            total.attach(parts.map(total.segment), as: total.sessionNumberForMerge(), info: info)
        }
    }

    /// The report of the whole log the summary covers: what `sargable analyze` of its inputs gives.
    public func report() -> WorkloadReport {
        var settings = LogAnalysis.Settings()
        options.apply(to: &settings.options)
        var whole = self
        let analyzer = WorkloadAnalyzer(options: settings.options)
        analyzer.absorb(whole.analyzer, fileOffset: 0)
        whole.resolve(into: analyzer, settings: settings, all: true)
        var summary = whole.summary
        for index in whole.files.indices {
            if let peak = whole.files[index].peak.finish(file: whole.files[index].name) {
                summary.peakSessions = peak.combined(with: summary.peakSessions)
            }
        }
        let events = ServerEventCollector(hidingLiterals: settings.options.redactParameters)
        events.absorb(whole.events)
        return analyzer.report(summary: summary, operations: events.finish())
    }
}

// MARK: the file

extension LogSummary {
    private struct Header: Codable {
        var kind: String
        var version: Int
    }

    /// A library caller's infinite time must not lose the whole summary.
    private static let nonFinite = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = Self.nonFinite
        let header = (try? encoder.encode(Header(kind: Self.kind, version: Self.version))) ?? Data()
        let body = (try? encoder.encode(self)) ?? Data()
        return String(decoding: header, as: UTF8.self) + "\n" + String(decoding: body, as: UTF8.self) + "\n"
    }

    /// A summary file, plain or compressed; a one-line reason when it is not one this version reads.
    public static func read(path: String) throws(LogAnalysis.Problem) -> LogSummary {
        let name = InputFiles.displayName(path)
        func problem(_ message: String) -> LogAnalysis.Problem { LogAnalysis.Problem(path: name, line: nil, message: message) }
        var bytes: [UInt8] = []
        do {
            let input = try LogInput(path: path)
            while try input.read(into: &bytes) {}
        } catch {
            throw problem(error.reason)
        }
        let newline = bytes.firstIndex(of: 10) ?? bytes.endIndex
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let header = try? decoder.decode(Header.self, from: Data(bytes[..<newline])), header.kind == kind else {
            throw problem("is not a sargable log summary (write one with sargable analyze --format summary)")
        }
        guard header.version == version else {
            throw problem("is a version \(header.version) log summary; this sargable reads version \(version)")
        }
        let body = newline < bytes.endIndex ? Data(bytes[(newline + 1)...]) : Data()
        do {
            return try decoder.decode(LogSummary.self, from: body)
        } catch is DecodingError where body.isEmpty || body.last != 10 {
            throw problem("is truncated: the summary ends before its state does")
        } catch {
            throw problem("is damaged: its state cannot be read (\(String(describing: error).prefix(200)))")
        }
    }
}

extension LogAnalysis.Problem: Error {}
