import SargableCore

/// What `sargable analyze` reports: the JSON output is this value.
public struct WorkloadReport: Sendable, Codable {
    public var version = 1
    public var summary: Summary
    public var queries: [QueryStatistics]
    public var findings: [WorkloadFinding]
    /// Executions per `summary.timelineBucketSeconds`, for the rate chart.
    public var timeline: [TimelinePoint]
    /// What the plan-insight rules find in the plans the log holds (auto_explain), heaviest
    /// statement first; filled by whoever runs the rules (the analyzer does not know them).
    public var planFindings: [WorkloadPlanFinding] = []
    /// Errors, locks, temporary files, checkpoints, autovacuum, connections, and the workload by
    /// type, database, user, application, host and time.
    public var operations = OperationalReport()

    public struct Summary: Sendable, Codable {
        /// Messages, not lines: a DETAIL or STATEMENT line belongs to the message before it, as
        /// its field does in csvlog and jsonlog.
        public var entries = 0
        public var executions = 0
        public var errors = 0
        /// Client sessions that ran (or were refused) a statement; background processes
        /// (checkpointer, autovacuum workers) are not sessions.
        public var sessions = 0
        public var format: String?
        public var logLinePrefix: String?
        public var unreadableLines = 0
        public var fingerprints = 0
        public var firstSeen: Double?
        public var lastSeen: Double?
        public var timelineBucketSeconds = 60
        /// The most sessions open at once in any one input, and how it was measured; nil when no
        /// input has sessions told apart (no `%p` or `%c`) or none ran a statement.
        public var peakSessions: SessionPeak?
        public var files: [FileSummary] = []

        public init() {}
    }

    public struct FileSummary: Sendable, Codable {
        public var path: String
        public var format: String
        public var compression: String
        public var logLinePrefix: String?
        /// Why the prefix was chosen, when it was detected rather than stated.
        public var logLinePrefixDetection: String?
        public var entries: Int
        public var unreadableLines: Int
        public var unreadableLineNumbers: [Int]
    }

    public struct TimelinePoint: Sendable, Codable {
        /// Start of the minute, seconds since 1970.
        public var time: Double
        public var executions: Int
    }
}

/// One fingerprint group.
public struct QueryStatistics: Sendable, Codable {
    public var fingerprint: String
    public var query: String
    public var kind: String
    /// select, insert, update, delete, ddl or other.
    public var type: String
    public var calls: Int
    public var errors: Int
    public var totalMs: Double
    public var meanMs: Double
    public var maxMs: Double
    public var p95Ms: Double?
    public var sessions: Int
    public var firstSeen: Double?
    public var lastSeen: Double?
    public var example: String
    public var parameters: String?
    /// Bind values of the slowest executions, distinct, slowest first (at most 3).
    public var parameterSamples: [String]?
    public var plan: String?
}

/// A workload finding: the same `Finding` lint reports, plus the evidence from the log.
public struct WorkloadFinding: Sendable, Codable {
    public var finding: Finding
    public var pid: Int?
    public var session: String
    public var user: String?
    public var database: String?
    public var application: String?
    public var fingerprint: String
    public var query: String
    public var example: String
    /// Executions in the qualifying runs (for `repeated-identical-query`: with identical parameters).
    public var count: Int
    public var runs: Int
    public var distinctParameters: Int
    public var totalMs: Double
    public var spanSeconds: Double?
    public var firstLine: Int
    public var lastLine: Int
    public var parent: Parent?

    public struct Parent: Sendable, Codable, Equatable {
        public var fingerprint: String
        public var query: String
    }

    public var rule: String { finding.rule }

    private enum CodingKeys: String, CodingKey {
        case pid, session, user, database, application, fingerprint, query, example, count, runs
        case distinctParameters, totalMs, spanSeconds, firstLine, lastLine, parent
    }

    // Flat on the wire: the finding's fields (rule, severity, message, help, file) beside the evidence.
    public func encode(to encoder: any Encoder) throws {
        try finding.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(pid, forKey: .pid)
        try container.encode(session, forKey: .session)
        try container.encodeIfPresent(user, forKey: .user)
        try container.encodeIfPresent(database, forKey: .database)
        try container.encodeIfPresent(application, forKey: .application)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(query, forKey: .query)
        try container.encode(example, forKey: .example)
        try container.encode(count, forKey: .count)
        try container.encode(runs, forKey: .runs)
        try container.encode(distinctParameters, forKey: .distinctParameters)
        try container.encode(totalMs, forKey: .totalMs)
        try container.encodeIfPresent(spanSeconds, forKey: .spanSeconds)
        try container.encode(firstLine, forKey: .firstLine)
        try container.encode(lastLine, forKey: .lastLine)
        try container.encodeIfPresent(parent, forKey: .parent)
    }

    public init(from decoder: any Decoder) throws {
        finding = try Finding(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pid = try container.decodeIfPresent(Int.self, forKey: .pid)
        session = try container.decode(String.self, forKey: .session)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        database = try container.decodeIfPresent(String.self, forKey: .database)
        application = try container.decodeIfPresent(String.self, forKey: .application)
        fingerprint = try container.decode(String.self, forKey: .fingerprint)
        query = try container.decode(String.self, forKey: .query)
        example = try container.decode(String.self, forKey: .example)
        count = try container.decode(Int.self, forKey: .count)
        runs = try container.decode(Int.self, forKey: .runs)
        distinctParameters = try container.decode(Int.self, forKey: .distinctParameters)
        totalMs = try container.decode(Double.self, forKey: .totalMs)
        spanSeconds = try container.decodeIfPresent(Double.self, forKey: .spanSeconds)
        firstLine = try container.decode(Int.self, forKey: .firstLine)
        lastLine = try container.decode(Int.self, forKey: .lastLine)
        parent = try container.decodeIfPresent(Parent.self, forKey: .parent)
    }

    init(finding: Finding, pid: Int?, session: String, user: String?, database: String?, application: String?,
         fingerprint: String, query: String, example: String, count: Int, runs: Int, distinctParameters: Int,
         totalMs: Double, spanSeconds: Double?, firstLine: Int, lastLine: Int, parent: Parent?) {
        self.finding = finding
        self.pid = pid
        self.session = session
        self.user = user
        self.database = database
        self.application = application
        self.fingerprint = fingerprint
        self.query = query
        self.example = example
        self.count = count
        self.runs = runs
        self.distinctParameters = distinctParameters
        self.totalMs = totalMs
        self.spanSeconds = spanSeconds
        self.firstLine = firstLine
        self.lastLine = lastLine
        self.parent = parent
    }
}

/// A plan-insight finding on a statement's logged plan.
public struct WorkloadPlanFinding: Sendable, Codable {
    public var finding: Finding
    public var fingerprint: String
    public var query: String
    public var calls: Int
    public var totalMs: Double

    public init(finding: Finding, fingerprint: String, query: String, calls: Int, totalMs: Double) {
        self.finding = finding
        self.fingerprint = fingerprint
        self.query = query
        self.calls = calls
        self.totalMs = totalMs
    }

    private enum CodingKeys: String, CodingKey { case fingerprint, query, calls, totalMs }

    // Flat on the wire, as `WorkloadFinding`: the finding's fields beside the statement's.
    public func encode(to encoder: any Encoder) throws {
        try finding.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(query, forKey: .query)
        try container.encode(calls, forKey: .calls)
        try container.encode(totalMs, forKey: .totalMs)
    }

    public init(from decoder: any Decoder) throws {
        finding = try Finding(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fingerprint = try container.decode(String.self, forKey: .fingerprint)
        query = try container.decode(String.self, forKey: .query)
        calls = try container.decode(Int.self, forKey: .calls)
        totalMs = try container.decode(Double.self, forKey: .totalMs)
    }
}
