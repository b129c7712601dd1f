/// The most sessions open at once in a log, and how that was found out.
public struct SessionPeak: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Measure: String, Sendable, Codable {
        /// From `connection authorized` and `disconnection:` lines (log_connections and
        /// log_disconnections on): every session's start and end is in the log.
        case connectionLines = "log_connections"
        /// From each session's first and last line: a session idle before its first or after its
        /// last statement is not counted then, so the true peak may be higher.
        case statementTimes = "estimate"
    }

    public var sessions: Int
    public var measure: Measure
    /// When the peak was first reached (seconds since 1970); nil when the log has no times, or
    /// when it was at the start of the log (sessions that began before it).
    public var time: Double?
    /// The input it was seen in, and the line where it was first reached (nil: at its start).
    public var file: String
    public var line: Int?

    public init(sessions: Int, measure: Measure, time: Double?, file: String, line: Int?) {
        self.sessions = sessions
        self.measure = measure
        self.time = time
        self.file = file
        self.line = line
    }

    /// `12 sessions at app.log:40 (log_connections)`, `3 sessions in app.log (estimate from statement times)`.
    public var description: String {
        let place = line.map { "at \(file):\($0)" } ?? "in \(file)"
        let how = measure == .connectionLines ? "from log_connections and log_disconnections"
            : "estimated from each session's first and last line"
        return "\(sessions) session\(sessions == 1 ? "" : "s") \(place) (\(how))"
    }

    /// The higher of two inputs' peaks (sessions never continue across files). Exact only when
    /// both are: an estimate is a lower bound, so the other input may really have had more.
    func combined(with other: SessionPeak?) -> SessionPeak {
        guard let other else { return self }
        var higher = other.sessions > sessions ? other : self
        if measure != other.measure { higher.measure = .statementTimes }
        return higher
    }
}

/// Follows the sessions of one input, entry by entry, for its `SessionPeak`. Positions are entry
/// ordinals, not times: a log is in time order, and logs without `%t` still have an order.
struct SessionPeakCounter: Codable {
    private struct Connected: Codable { var at: Int; var time: Double?; var line: Int }

    private struct Span: Codable {
        var first: Int
        var last: Int
        var firstTime: Double?
        var firstLine: Int
        var connected: Connected?
        var disconnected: Int?
        /// `connection received` seen: a session whose authorization is not in the log failed it.
        var received = false
        var replication = false
        var ranStatement = false
    }

    private var spans: [Int: Span] = [:]
    private var connectionLines = false
    private var disconnectionLines = false
    private var position = 0

    /// Every entry of a session that has a key (`%c`, `%p`); entries without one cannot be told apart.
    mutating func see(_ session: Int, _ entry: LogEntry) {
        position += 1
        // Changed in place: one lookup per entry.
        let index: [Int: Span].Index
        if let known = spans.index(forKey: session) {
            index = known
        } else {
            spans[session] = Span(first: position, last: position, firstTime: entry.time, firstLine: entry.line)
            index = spans.index(forKey: session)!
        }
        let (connection, disconnection) = Self.see(entry, at: position, in: &spans.values[index])
        connectionLines = connectionLines || connection
        disconnectionLines = disconnectionLines || disconnection
    }

    /// Whether the entry is a `connection authorized` line, and a `disconnection` one.
    private static func see(_ entry: LogEntry, at position: Int, in span: inout Span) -> (Bool, Bool) {
        span.last = position
        // A FATAL error ends its process: a connection refused after authorization logs no disconnection.
        if entry.severity == .fatal || entry.severity == .panic { span.disconnected = position }
        // Most entries are statements (`duration: …`): each line looked for is tested only when the
        // message starts with its first letter.
        guard entry.severity == .log, let first = entry.message.utf8.first else { return (false, false) }
        let message = entry.message
        switch first {
        case UInt8(ascii: "c"):
            if message.hasPrefix("connection authorized: ") {
                span.connected = Connected(at: position, time: entry.time, line: entry.line)
                return (true, false)
            } else if message.hasPrefix("connection received: ") {
                span.received = true
            }
        case UInt8(ascii: "r"):
            if message.hasPrefix("replication connection authorized: ") { span.replication = true }
        case UInt8(ascii: "d"):
            if message.hasPrefix("disconnection: session time: ") {
                span.disconnected = position
                return (false, true)
            }
        default: break
        }
        return (false, false)
    }

    /// `session` ran (or tried to run) a statement: a client session, not a background process.
    mutating func ranStatement(_ session: Int) {
        // In place: `spans[session]?.x = …` takes the span out of the table and puts it back,
        // two lookups and a rehash on every statement.
        guard let index = spans.index(forKey: session) else { return }
        spans.values[index].ranStatement = true
    }

    /// The input's peak, and a fresh counter for the next one.
    mutating func finish(file: String) -> SessionPeak? {
        defer { self = SessionPeakCounter() }
        let exact = connectionLines && disconnectionLines
        var intervals: [(start: Int, time: Double?, line: Int?, end: Int)] = []
        for span in spans.values where !span.replication {
            if exact {
                // Authorized here, or open since before the log began: either a disconnection
                // or a statement shows it was a client session. Background processes (checkpointer,
                // autovacuum) log neither, and a connection that failed authorization has no
                // `authorized` line after its `received` one.
                if let connected = span.connected {
                    intervals.append((connected.at, connected.time, connected.line, span.disconnected ?? Int.max))
                } else if !span.received, span.disconnected != nil || span.ranStatement {
                    intervals.append((0, nil, nil, span.disconnected ?? Int.max))
                }
            } else if span.ranStatement || span.connected != nil {
                intervals.append((span.first, span.firstTime, span.firstLine, span.last))
            }
        }
        guard !intervals.isEmpty else { return nil }
        // Sweep: at each start, the sessions open are those started so far minus those ended before it.
        let starts = intervals.sorted { $0.start < $1.start }
        let ends = intervals.map(\.end).sorted()
        var ended = 0
        var peak = (sessions: 0, time: Double?.none, line: Int?.none)
        for (index, interval) in starts.enumerated() {
            while ends[ended] < interval.start { ended += 1 }
            let open = index + 1 - ended
            if open > peak.sessions { peak = (open, interval.time, interval.line) }
        }
        return SessionPeak(sessions: peak.sessions, measure: exact ? .connectionLines : .statementTimes, time: peak.time,
                           file: file, line: peak.line)
    }
}
