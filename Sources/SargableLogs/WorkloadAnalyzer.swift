import Foundation
import SargableCore
import SargableSyntax

/// Groups executions by libpg_query fingerprint and finds application patterns per session.
/// Executions arrive in batches: texts not seen before are fingerprinted in parallel, and a text
/// is never fingerprinted twice while it stays in the (bounded) cache. Memory grows with the
/// number of fingerprints and live sessions, not with the size of the log.
public final class WorkloadAnalyzer {
    public struct Options: Sendable {
        /// Executions of one fingerprint in one session that make a run worth reporting.
        public var minimumRun = 3
        /// Largest gap between consecutive executions of a run.
        public var maximumGapSeconds = 1.0
        /// Replace every constant and drop bind values and plans, for reports shared outside the
        /// team. Password literals are hidden either way.
        public var redactParameters = false
        public var threads = LargeStack.defaultThreadCount
        /// Keys identical selects by a hash that is the same in every process (FNV-1a of text and
        /// values), not by the seeded one: a log summary's sessions are joined in another process.
        var stableIdenticalKeys = false
        public init() {}
    }

    public let options: Options
    var groups: [Group] = []
    var groupByFingerprint: [UInt64: Int] = [:]
    var groupByUnparsedText: [String: Int] = [:]
    private lazy var identities = StatementIdentities(threads: options.threads)
    /// Unparsed texts' groups, by text.
    private var unparsedCache: [HashedText: Int] = [:]
    private var batch: [Execution] = []
    var sessionStates: [Int: SessionState] = [:]
    var findings: [FindingKey: FindingAccumulator] = [:]
    /// Executions per bucket of `timelineBucket` seconds; the buckets widen as the log's span
    /// grows so that there are never more than `timelineLimit` of them.
    var timeline: [Int: Int] = [:]
    var timelineBucket = 1
    static let timelineLimit = 2000
    var executions = 0
    var errors = 0
    /// Sessions that ran (or were refused) a statement: clients, never background processes.
    var clientSessions = 0
    var breakdown = QueryBreakdownCounter()
    var firstSeen: Double?
    var lastSeen: Double?
    /// Numbers given to sessions of absorbed summaries (below 0, apart from this log's).
    var absorbedSessions = 0

    private static let batchSize = 8192
    private static let exactDurationsKept = 2048

    public init(options: Options = Options()) { self.options = options }

    public func add(_ execution: Execution) {
        batch.append(execution)
        if batch.count >= Self.batchSize { processBatch() }
    }

    /// Sessions ended: their runs are final, and their state is dropped.
    public func endSessions(_ sessions: [(session: Int, info: SessionInfo)]) {
        processBatch()
        for (session, info) in sessions { closeSession(session, info: info) }
    }

    /// Adds the rows of a pg_stat_statements export: each is a group with its calls and times.
    public func add(_ rows: [StatStatementsRow]) {
        let results = LargeStack.parallelMap(rows, threads: options.threads) { row in StatementIdentity(of: row.query) }
        for (row, identity) in zip(rows, results) {
            let index = group(for: identity, text: row.query, at: Group.Position(file: 0, line: 0))
            // Rows are checked when read, but many of them can still add up past Int.max.
            groups[index].calls = groups[index].calls.addingSaturated(row.calls)
            groups[index].addImported(row.totalMs)
            groups[index].maxMs = max(groups[index].maxMs, row.maxMs ?? 0)
            groups[index].hasPercentiles = false
            executions = executions.addingSaturated(row.calls)
            breakdown.add(calls: row.calls, totalMs: row.totalMs, type: groups[index].type)
        }
    }

    /// `operations` are the server events the reader collected; the statement breakdown is added here.
    public func report(summary base: WorkloadReport.Summary, operations events: OperationalReport = OperationalReport()) -> WorkloadReport {
        processBatch()
        var summary = base
        summary.sessions = clientSessions
        summary.executions = executions
        summary.errors = errors
        summary.fingerprints = groups.count
        summary.firstSeen = firstSeen
        summary.lastSeen = lastSeen
        let statistics = groups.map { $0.statistics(hidingLiterals: options.redactParameters) }
        let queries = statistics.sorted {
            ($0.totalMs, $0.calls, $1.fingerprint) > ($1.totalMs, $1.calls, $0.fingerprint)
        }
        // Ties go to the earliest start by (file, line): session numbers and lines alone differ
        // between one pass over several files and a merge of their summaries.
        let reported = findings.map { key, value in (value.finding(key: key, groups: groups, statistics: statistics), value.firstFile) }
            .sorted { a, b in
                let left = (a.0.finding.severity, a.0.totalMs, b.1, b.0.firstLine)
                let right = (b.0.finding.severity, b.0.totalMs, a.1, a.0.firstLine)
                if left != right { return left > right }
                return (b.0.fingerprint, b.0.session, b.0.finding.rule) > (a.0.fingerprint, a.0.session, a.0.finding.rule)
            }
            .map(\.0)
        summary.timelineBucketSeconds = timelineBucket
        let points = timeline.keys.sorted().map {
            WorkloadReport.TimelinePoint(time: Double($0 * timelineBucket), executions: timeline[$0] ?? 0)
        }
        var operations = events
        operations.queries = breakdown.report()
        operations.connections.peakSessions = summary.peakSessions
        return WorkloadReport(summary: summary, queries: queries, findings: reported, timeline: points, operations: operations)
    }

    // MARK: batches

    /// Adds many executions at once (the reading thread hands them over in batches).
    public func add(contentsOf executions: [Execution]) {
        processBatch()
        batch = executions
        processBatch()
    }

    /// Adds executions whose texts `StatementIdentities` identified ahead, on another thread.
    func add(contentsOf executions: [Execution], identified: IdentifiedBatch) {
        processBatch()
        record(executions, identified)
    }

    func processBatch() {
        guard !batch.isEmpty else { return }
        let executions = batch
        batch.removeAll(keepingCapacity: true)
        record(executions, identities.identify(executions))
    }

    private func record(_ executions: [Execution], _ identified: IdentifiedBatch) {
        for (position, execution) in executions.enumerated() {
            let index: Int
            switch identified.identities[position] {
            case .fingerprint(let value):
                index = groupByFingerprint[value] ?? group(for: .fingerprint(value), text: execution.text, at: Group.Position(execution))
            case .unparsed:
                // Unparsed texts are grouped by their trimmed text: remembered to trim each once.
                let text = HashedText(execution.text)
                if let known = unparsedCache[text] {
                    index = known
                } else {
                    if unparsedCache.count >= StatementIdentities.cacheLimit { unparsedCache.removeAll(keepingCapacity: true) }
                    index = group(for: .unparsed, text: execution.text, at: Group.Position(execution))
                    unparsedCache[text] = index
                }
            }
            record(execution, textHash: identified.textHashes[position], in: index)
        }
    }

    private func group(for identity: StatementIdentity, text: String, at position: Group.Position) -> Int {
        switch identity {
        case .fingerprint(let value):
            if let index = groupByFingerprint[value] { return index }
            let index = groups.count
            groups.append(Group(key: Fingerprint(value: value).hex, text: text, at: position, parsed: true,
                                hidingLiterals: options.redactParameters))
            groupByFingerprint[value] = index
            return index
        case .unparsed:
            // Named by the text, not by the order groups are met in: summaries of separate files
            // name the same statement alike.
            let key = Group.unparsedKey(text.trimmingWhitespace)
            if let index = groupByUnparsedText[key] { return index }
            let index = groups.count
            groups.append(Group(key: key, text: text, at: position, parsed: false,
                                hidingLiterals: options.redactParameters))
            groupByUnparsedText[key] = index
            return index
        }
    }

    private func record(_ execution: Execution, textHash: Int, in index: Int) {
        if let time = execution.time {
            firstSeen = min(firstSeen ?? time, time)
            lastSeen = max(lastSeen ?? time, time)
        }
        breakdown.add(execution, type: groups[index].type, fingerprint: groups[index].key, hidingLiterals: options.redactParameters)
        groups[index].see(execution)
        if execution.isError {
            errors += 1
            groups[index].errors += 1
            countSession(state(of: execution), group: index)
            return
        }
        executions += 1
        groups[index].add(execution)
        let session = state(of: execution)
        countSession(session, group: index)
        if let time = execution.time { countInTimeline(time) }
        // Without a session key, runs would mix every session's statements: no session findings.
        if execution.sessionKnown { detect(execution, in: session, textHash: textHash, group: index) }
    }

    private func state(of execution: Execution) -> SessionState {
        if let existing = sessionStates[execution.session] { return existing }
        clientSessions += 1
        let state = SessionState()
        state.start = Group.Position(execution)
        sessionStates[execution.session] = state
        return state
    }

    /// Counts each session once per group, remembering only the live sessions' groups.
    private func countSession(_ state: SessionState, group index: Int) {
        if state.groups.insert(index).inserted { groups[index].sessions += 1 }
    }

    private func countInTimeline(_ time: Double) {
        // Readers bound their times to years 0–9999; `exactly` keeps a library caller's inf from trapping.
        guard let bucket = Int(exactly: (time / Double(timelineBucket)).rounded(.down)) else { return }
        timeline[bucket, default: 0] += 1
        if timeline.count > Self.timelineLimit { widenTimeline() }
    }

    /// To the narrowest width that leaves at most `timelineLimit` buckets: the same width
    /// whether the times came in one pass or from summaries merged (each width divides the next).
    func widenTimeline() {
        let widths = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 21600, 86400, 604_800]
        while timeline.count > Self.timelineLimit {
            let wider = widths.first { $0 > timelineBucket } ?? timelineBucket * 2
            var merged: [Int: Int] = [:]
            for (bucket, count) in timeline { merged[Self.floorDivide(bucket * timelineBucket, wider), default: 0] += count }
            timeline = merged
            timelineBucket = wider
        }
    }

    static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }

    // MARK: detection

    struct Run {
        var count = 0
        var firstTime: Double?
        var lastTime: Double?
        var totalMs = 0.0
        var firstFile = 0
        var firstLine = 0
        var lastLine = 0
        var parameterSets: Set<Int> = []
        var parent: Int?

        /// Adds an execution of the run's statement; a gap longer than `gap` since the last one
        /// ends the run (`close` gets it) and starts a new one. Whether a run started.
        mutating func extend(with execution: Execution, parameters: Int, group: Int, previousGroup: Int?, gap: Double,
                             close: (Run) -> Void) -> Bool {
            if count > 0, let last = lastTime, let now = execution.time, now - last > gap {
                close(self)
                self = Run()
            }
            let starts = count == 0
            if starts {
                firstTime = execution.time
                firstFile = execution.file
                firstLine = execution.line
                parent = previousGroup == group ? nil : previousGroup
            }
            count += 1
            lastTime = execution.time ?? lastTime
            lastLine = execution.line
            totalMs = totalMs.addingSaturated(execution.durationMs ?? 0)
            if parameterSets.count < 64 { parameterSets.insert(parameters) }
            return starts
        }
    }

    /// A class so that updating a long session's maps never copies them.
    final class SessionState {
        var runs: [Int: Run] = [:]
        /// Runs by the statement that preceded them: when that statement runs again, the loop
        /// it drove is over (a transaction that repeats, like pgbench's, is not one long loop).
        var runsByParent: [Int: Set<Int>] = [:]
        var lastGroup: Int?
        /// Groups this session ran, to count sessions per group.
        var groups: Set<Int> = []
        /// Findings this session produced, to give them the session's details when it ends.
        var findings: Set<FindingKey> = []
        /// Executions of a SELECT with identical text and parameters: (group, parameters) → count, lines, time.
        var identical: [IdenticalKey: Identical] = [:]
        var lastGroupTime: Double?
        /// The session's first execution: names its segment for the slowest executions it holds.
        var start: Group.Position?
    }

    struct IdenticalKey: Hashable {
        var group: Int
        var parameters: Int
    }

    struct Identical: Codable {
        var count = 0
        var firstFile = 0
        var firstLine = 0
        var lastLine = 0
        var firstTime: Double?
        var lastTime: Double?
        var totalMs = ExactSum()

        mutating func add(_ execution: Execution) {
            count += 1
            lastLine = execution.line
            lastTime = execution.time ?? lastTime
            totalMs.add(execution.durationMs ?? 0)
        }

        /// The same select's executions in a later segment of the session.
        mutating func merge(_ later: Identical) {
            count += later.count
            lastLine = later.lastLine
            lastTime = later.lastTime ?? lastTime
            totalMs.add(later.totalMs)
        }
    }

    struct FindingKey: Hashable {
        var rule: String
        var session: Int
        var group: Int
    }

    private func detect(_ execution: Execution, in state: SessionState, textHash: Int, group index: Int) {
        let kind = groups[index].kind
        // The statement before a loop drives it only if it ran within the gap: one that ran
        // longer ago is not its parent (and a log summary may cut the session in such a gap).
        var previousGroup = state.lastGroup
        if let last = state.lastGroupTime, let now = execution.time, now - last > options.maximumGapSeconds { previousGroup = nil }
        state.lastGroup = index
        state.lastGroupTime = execution.time ?? state.lastGroupTime
        // A parent that is itself a repeating select drives a nested loop: its children's runs go on.
        if let children = state.runsByParent.removeValue(forKey: index), !(kind == .select && state.runs[index] != nil) {
            for child in children where child != index {
                guard let run = state.runs[child], run.parent == index else { continue }
                close(run, group: child, session: execution.session)
                state.runs[child] = nil
            }
        }
        guard kind == .select || kind == .insert else { return }
        let parameters: Int
        if options.stableIdenticalKeys {
            parameters = Self.stableHash(execution.text, execution.parameters)
        } else {
            var hasher = Hasher()
            hasher.combine(textHash)
            hasher.combine(execution.parameters)
            parameters = hasher.finalize()
        }

        // Changed in place (one lookup, and `parameterSets` is never copied).
        let started = state.runs[index, default: Run()].extend(with: execution, parameters: parameters, group: index,
                                                               previousGroup: previousGroup, gap: options.maximumGapSeconds) { ended in
            close(ended, group: index, session: execution.session)
        }
        if started, let parent = previousGroup, parent != index { state.runsByParent[parent, default: []].insert(index) }

        if kind == .select {
            let key = IdenticalKey(group: index, parameters: parameters)
            state.identical[key, default: Identical(firstFile: execution.file, firstLine: execution.line, firstTime: execution.time)]
                .add(execution)
            if state.identical.count > 20_000 {
                // A long session with ever-new parameters: forget the ones seen once.
                state.identical = state.identical.filter { $0.value.count > 1 }
            }
        }
    }

    /// FNV-1a of the text, a separator and the values: the same in every process.
    static func stableHash(_ text: String, _ parameters: String?) -> Int {
        let separated = Group.fnv1a([0xff], from: Group.fnv1a(text.utf8))
        return Int(truncatingIfNeeded: Group.fnv1a((parameters ?? "").utf8, from: separated))
    }

    /// The group named `key` (its fingerprint in hex, or `unparsed-…`), from the maps kept for
    /// recording executions.
    func groupIndex(key: String) -> Int? {
        key.hasPrefix("unparsed-") ? groupByUnparsedText[key] : UInt64(key, radix: 16).flatMap { groupByFingerprint[$0] }
    }

    private func close(_ run: Run, group index: Int, session: Int, info: SessionInfo? = nil) {
        guard run.count >= options.minimumRun else { return }
        let rule: String
        switch groups[index].kind {
        case .select where run.parameterSets.count >= 2: rule = WorkloadRules.nPlusOne
        case .insert: rule = WorkloadRules.rowByRowInsert
        default: return
        }
        let key = FindingKey(rule: rule, session: session, group: index)
        var accumulator = findings[key] ?? FindingAccumulator(firstFile: run.firstFile, firstLine: run.firstLine, firstTime: run.firstTime)
        var runTotal = ExactSum()
        runTotal.add(run.totalMs)
        accumulator.add(count: run.count, totalMs: runTotal, lastLine: run.lastLine, lastTime: run.lastTime,
                        distinct: run.parameterSets.count, parent: run.parent)
        findings[key] = accumulator
        sessionStates[session]?.findings.insert(key)
    }

    private func closeSession(_ session: Int, info: SessionInfo) {
        attach([detach(session)], as: session, info: info)
    }

    /// What a session's executions between two clean cuts add up to: the groups it ran, the
    /// findings of its runs (a run never crosses a cut), its identical selects, its totals. A
    /// session is the ordered sum of its segments; one never cut is one segment. Log summaries
    /// keep the segments of sessions open at their boundaries instead of their entries.
    struct SessionSegment {
        var groups: Set<Int> = []
        var findings: [(rule: String, group: Int, accumulator: FindingAccumulator)] = []
        var identical: [IdenticalKey: Identical] = [:]
        var totals: QueryBreakdownCounter.Totals?
        /// It ran (or was refused) a statement: its session is a client's.
        var counted = false
        var start: Group.Position?
    }

    /// Ends a session's segment: its runs close, and what it added to the session's counts is
    /// taken back until `attach` adds the whole session once.
    func detach(_ session: Int) -> SessionSegment {
        processBatch()
        var segment = SessionSegment()
        segment.totals = breakdown.sessions.removeValue(forKey: session)
        guard let state = sessionStates[session] else { return segment }
        for (index, run) in state.runs { close(run, group: index, session: session) }
        sessionStates[session] = nil
        clientSessions -= 1
        for index in state.groups { groups[index].sessions -= 1 }
        segment.counted = true
        segment.groups = state.groups
        segment.findings = state.findings.compactMap { key in findings.removeValue(forKey: key).map { (key.rule, key.group, $0) } }
            .sorted { ($0.rule, $0.group) < ($1.rule, $1.group) }
        segment.identical = state.identical
        segment.start = state.start
        if let start = state.start { breakdown.name(session, segment: start) }
        return segment
    }

    /// Adds a whole session from its segments, in the order they ran: its findings, with who it was.
    func attach(_ segments: [SessionSegment], as session: Int, info: SessionInfo) {
        if segments.contains(where: \.counted) { clientSessions += 1 }
        for index in segments.reduce(into: Set<Int>(), { $0.formUnion($1.groups) }) { groups[index].sessions += 1 }
        var keys = Set<FindingKey>()
        for segment in segments {
            for found in segment.findings {
                let key = FindingKey(rule: found.rule, session: session, group: found.group)
                if findings[key] == nil { findings[key] = found.accumulator } else { findings[key]?.merge(found.accumulator) }
                keys.insert(key)
            }
        }
        var identical: [IdenticalKey: Identical] = segments.first?.identical ?? [:]
        for segment in segments.dropFirst() {
            for (key, value) in segment.identical {
                if identical[key] == nil { identical[key] = value } else { identical[key]?.merge(value) }
            }
        }
        var best: [Int: Identical] = [:]
        for (key, value) in identical where value.count >= options.minimumRun {
            // The most repeated values, the earliest among equals: the same log, the same finding
            // (dictionary order changes from run to run).
            if let known = best[key.group],
               (known.count, value.firstFile, value.firstLine) >= (value.count, known.firstFile, known.firstLine) { continue }
            best[key.group] = value
        }
        for (index, value) in best {
            var accumulator = FindingAccumulator(firstFile: value.firstFile, firstLine: value.firstLine, firstTime: value.firstTime)
            accumulator.add(count: value.count, totalMs: value.totalMs, lastLine: value.lastLine,
                            lastTime: value.lastTime, distinct: 1, parent: nil)
            let key = FindingKey(rule: WorkloadRules.repeatedIdenticalQuery, session: session, group: index)
            findings[key] = accumulator
            keys.insert(key)
        }
        // Who the session was is complete only now; its findings keep it.
        for key in keys { findings[key]?.session = info }
        var totals: QueryBreakdownCounter.Totals?
        for segment in segments {
            guard let part = segment.totals else { continue }
            if totals == nil { totals = part } else { totals?.add(part) }
        }
        breakdown.endSession(totals: totals, segments: Set(segments.compactMap(\.start)), info: info)
    }

    struct FindingAccumulator: Codable {
        var count = 0
        var runs = 0
        /// Exact, so that a session's segments add up to the same bits as one pass.
        var totalSum = ExactSum()
        var totalMs: Double { totalSum.value }
        var firstFile: Int
        var firstLine: Int
        var lastLine = 0
        var firstTime: Double?
        var lastTime: Double?
        var distinct = 0
        var parent: Int?
        var largestRun = 0
        var session: SessionInfo?

        init(firstFile: Int, firstLine: Int, firstTime: Double?) {
            self.firstFile = firstFile
            self.firstLine = firstLine
            self.firstTime = firstTime
        }

        mutating func add(count: Int, totalMs: ExactSum, lastLine: Int, lastTime: Double?, distinct: Int, parent: Int?) {
            self.count += count
            runs += 1
            totalSum.add(totalMs)
            self.lastLine = max(self.lastLine, lastLine)
            self.lastTime = lastTime ?? self.lastTime
            self.distinct = max(self.distinct, distinct)
            if count > largestRun {
                largestRun = count
                self.parent = parent
            }
        }

        /// The same finding's runs in a later segment of the session: as if they were added here one by one.
        mutating func merge(_ later: FindingAccumulator) {
            count += later.count
            runs += later.runs
            totalSum.add(later.totalSum)
            lastLine = max(lastLine, later.lastLine)
            lastTime = later.lastTime ?? lastTime
            distinct = max(distinct, later.distinct)
            if later.largestRun > largestRun {
                largestRun = later.largestRun
                parent = later.parent
            }
        }

        /// `statistics` are the groups as reported (redacted): the finding quotes the same texts.
        func finding(key: FindingKey, groups: [Group], statistics: [QueryStatistics]) -> WorkloadFinding {
            let group = groups[key.group]
            let shown = statistics[key.group]
            // Clocks can step back between two lines; a span is never negative.
            let span = firstTime.flatMap { first in lastTime.map { max(0, $0 - first) } }
            let parentInfo = parent.map { WorkloadFinding.Parent(fingerprint: statistics[$0].fingerprint, query: statistics[$0].query) }
            let base = WorkloadRules.describe(rule: key.rule, count: count, runs: runs, span: span, totalMs: totalMs,
                                              group: group)
            return WorkloadFinding(
                finding: Finding(rule: key.rule, severity: WorkloadRules.severity(of: key.rule), message: base.message,
                                 help: base.help, file: session?.file),
                pid: session?.pid, session: session?.id ?? session?.pid.map { String($0) } ?? "#\(key.session)",
                user: session?.user, database: session?.database, application: session?.application,
                fingerprint: shown.fingerprint, query: shown.query, example: shown.example, count: count, runs: runs,
                distinctParameters: distinct, totalMs: totalMs, spanSeconds: span, firstLine: firstLine,
                lastLine: lastLine, parent: parentInfo)
        }
    }
}

/// A fingerprint group's running totals.
struct Group: Codable {
    enum Kind: String, Codable { case select, insert, other }
    /// Whether `query` is normalized (the text parses), and whether constants are hidden.
    let normalizes: Bool
    let hidingLiterals: Bool
    /// Where an execution was: its input's ordinal, then its line.
    struct Position: Codable, Comparable, Hashable {
        var file: Int
        var line: Int
        init(file: Int, line: Int) {
            self.file = file
            self.line = line
        }
        init(_ execution: Execution) { self.init(file: execution.file, line: execution.line) }
        static func < (a: Position, b: Position) -> Bool { (a.file, a.line) < (b.file, b.line) }
    }
    /// An execution a report quotes, and where it was: the earliest of its kind is kept, so
    /// the same one is quoted however the log was split and merged.
    struct Example: Codable {
        var position: Position
        var text: String
        var parameters: String?
        var plan: String?
    }
    struct Sample: Codable {
        var ms: Double
        var values: String
        /// Slower first; equal times by their values, so that any order of executions keeps the same ones.
        func outranks(_ other: Sample) -> Bool { ms != other.ms ? ms > other.ms : values < other.values }
    }
    let key: String
    var query: String
    let kind: Kind
    /// select, insert, update, delete, ddl or other, for the operational report.
    let type: String
    let relation: String?
    var calls = 0
    var errors = 0
    var timedMs = ExactSum()
    /// pg_stat_statements' totals past what `ExactSum` adds exactly.
    var importedMs = 0.0
    var totalMs: Double { importedMs == 0 ? timedMs.value : importedMs.addingSaturated(timedMs.value) }
    var maxMs = 0.0
    var timedCalls = 0
    var durations: [Double] = []
    var histogram: [Int: Int] = [:]
    var hasPercentiles = true
    var sessions = 0
    var firstSeen: Double?
    var lastSeen: Double?
    /// The earliest execution (or error), the earliest with bind values, the earliest with a plan.
    var first: Example
    var withParameters: Example?
    var withPlan: Example?
    var exampleText: String { withPlan?.text ?? withParameters?.text ?? first.text }
    var exampleParameters: String? { withPlan.map { $0.parameters } ?? withParameters?.parameters }
    var examplePlan: String? { withPlan?.plan }
    /// The bind values of the slowest executions (distinct, slowest first): the advisor plans
    /// each and keeps the worst, since one family's plan can change with its values.
    var parameterSamples: [Sample] = []
    static let parameterSampleLimit = 3

    /// `query` is what reports show: normalized (constants as `$n`) when the text parses, and
    /// with its passwords hidden, or every constant when `hidingLiterals`, before it is shortened.
    init(key: String, text: String, at position: Position, parsed: Bool, hidingLiterals: Bool) {
        self.key = key
        first = Example(position: position, text: text)
        self.hidingLiterals = hidingLiterals
        guard parsed, let tree = try? PgQuery.parse(text), let root = tree.statements.first else {
            normalizes = false
            query = Self.shown(text, normalizing: false, hidingLiterals: hidingLiterals)
            kind = .other
            type = "other"
            relation = nil
            return
        }
        normalizes = true
        query = Self.shown(text, normalizing: true, hidingLiterals: hidingLiterals)
        switch root.kind {
        case .selectStmt where tree.statements.count == 1: kind = .select
        case .insertStmt where tree.statements.count == 1: kind = .insert
        default: kind = .other
        }
        type = Self.statementType(of: root.kind, statements: tree.statements.count)
        // InsertStmt.relation is a typed field (no node kind), so look there before searching.
        relation = root[.relation, .relname]?.string ?? root.descendants(ofKind: .rangeVar).first?[.relname]?.string
    }

    mutating func add(_ execution: Execution) {
        calls += 1
        if let time = execution.time {
            firstSeen = min(firstSeen ?? time, time)
            lastSeen = max(lastSeen ?? time, time)
        }
        if execution.plan != nil || execution.parameters != nil {
            let position = Position(execution)
            let example = Example(position: position, text: execution.text, parameters: execution.parameters, plan: execution.plan)
            if execution.plan != nil, withPlan.map({ position < $0.position }) ?? true { withPlan = example }
            if execution.parameters != nil, withParameters.map({ position < $0.position }) ?? true {
                withParameters = Example(position: position, text: execution.text, parameters: execution.parameters)
            }
        }
        if let values = execution.parameters { keepSample(Sample(ms: execution.durationMs ?? 0, values: values)) }
        guard let duration = execution.durationMs else { return }
        timedCalls += 1
        timedMs.add(duration)
        maxMs = max(maxMs, duration)
        if durations.count < 2048 && histogram.isEmpty {
            durations.append(duration)
        } else {
            // Past 2,048 calls the p95 comes from logarithmic buckets 1% wide: bounded memory.
            for value in durations { histogram[Self.bucket(value), default: 0] += 1 }
            durations.removeAll()
            histogram[Self.bucket(duration), default: 0] += 1
        }
    }

    /// A pg_stat_statements row's total time.
    mutating func addImported(_ milliseconds: Double) { timedMs.add(milliseconds, beyond: &importedMs) }

    /// Every execution, errors too: the earliest gives the query shown, and the text quoted
    /// when none has values.
    mutating func see(_ execution: Execution) {
        if execution.line < first.position.line || execution.file < first.position.file, Position(execution) < first.position {
            first = Example(position: Position(execution), text: execution.text)
            query = Self.shown(execution.text, normalizing: normalizes, hidingLiterals: hidingLiterals)
        }
    }

    /// `text` as reports show it: normalized (constants as `$n`) when it parses, with its
    /// passwords hidden, or every constant with `hidingLiterals`, then shortened.
    static func shown(_ text: String, normalizing: Bool, hidingLiterals: Bool) -> String {
        let shown = hidingLiterals ? Redaction.hidingLiterals(in: text)
            : Redaction.hidingPasswords(in: normalizing ? (try? PgQuery.normalize(text)) ?? text : text)
        return String(shown.trimmingWhitespace.prefix(4000))
    }

    /// Keeps the `parameterSampleLimit` values with the slowest executions: exactly those, in
    /// any order of executions (a value dropped was slower than none kept, and the slowest kept
    /// only get slower).
    mutating func keepSample(_ sample: Sample) {
        if let known = parameterSamples.firstIndex(where: { $0.values == sample.values }) {
            guard sample.ms > parameterSamples[known].ms else { return }
            parameterSamples[known].ms = sample.ms
        } else if parameterSamples.count < Self.parameterSampleLimit {
            parameterSamples.append(sample)
        } else if let weakest = parameterSamples.last, sample.outranks(weakest) {
            parameterSamples[parameterSamples.count - 1] = sample
        } else {
            return
        }
        parameterSamples.sort { $0.outranks($1) }
    }

    static func unparsedKey(_ trimmed: String) -> String { "unparsed-" + String(fnv1a(trimmed.utf8), radix: 16) }

    /// FNV-1a, continuing from `hash`: stable from run to run, unlike `hashValue`.
    static func fnv1a(_ bytes: some Sequence<UInt8>, from hash: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        bytes.reduce(hash) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    static func bucket(_ value: Double) -> Int { Int((log(max(value, 0.0001)) / log(1.01)).rounded(.down)) }

    var p95: Double? {
        guard hasPercentiles, timedCalls > 0 else { return nil }
        let rank = Int((Double(timedCalls) * 0.95).rounded(.up)) - 1
        if histogram.isEmpty {
            return durations.sorted()[max(0, min(rank, durations.count - 1))]
        }
        var seen = 0
        for bucket in histogram.keys.sorted() {
            seen += histogram[bucket] ?? 0
            if seen > rank { return min(pow(1.01, Double(bucket + 1)), maxMs) }
        }
        return maxMs
    }

    /// The group as reported. Examples keep their constants but never a password; with
    /// `hidingLiterals` they lose every constant, and bind values and plans (whose text quotes
    /// the constants) are left out.
    func statistics(hidingLiterals: Bool) -> QueryStatistics {
        QueryStatistics(fingerprint: key, query: query, kind: kind.rawValue, type: type, calls: calls, errors: errors,
                        totalMs: totalMs, meanMs: calls > 0 ? totalMs / Double(calls) : 0, maxMs: maxMs, p95Ms: p95,
                        sessions: sessions, firstSeen: firstSeen, lastSeen: lastSeen,
                        example: hidingLiterals ? Redaction.hidingLiterals(in: exampleText) : Redaction.hidingPasswords(in: exampleText),
                        parameters: hidingLiterals ? nil : exampleParameters,
                        parameterSamples: hidingLiterals || parameterSamples.isEmpty ? nil : parameterSamples.map(\.values),
                        plan: hidingLiterals ? nil : examplePlan)
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[start ... end]))
    }
}
