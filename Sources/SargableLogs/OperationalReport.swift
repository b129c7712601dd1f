import Foundation
import SargableSyntax

/// What operators read pgBadger for, beside the statement workload: errors, lock waits,
/// deadlocks, temporary files, checkpoints, autovacuum, connections, and the workload broken
/// down by statement type, database, user, application, host and time.
public struct OperationalReport: Sendable, Codable {
    public var errors = ErrorReport()
    public var lockWaits = LockWaitReport()
    public var deadlocks = DeadlockReport()
    public var temporaryFiles = TemporaryFileReport()
    public var checkpoints = CheckpointReport()
    public var maintenance = MaintenanceReport()
    public var connections = ConnectionReport()
    public var queries = QueryBreakdown()

    public init() {}

    public struct Tally: Sendable, Codable, Equatable {
        public var name: String
        public var count: Int
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    public struct ErrorReport: Sendable, Codable {
        /// ERROR, FATAL and PANIC messages.
        public var total = 0
        public var bySeverity: [Tally] = []
        /// Errors whose log line gives no SQLSTATE (stderr without `%e` in log_line_prefix).
        public var withoutSQLState = 0
        public var classes: [ErrorClass] = []
        /// By normalized message, most frequent first (at most `ServerEventCollector.messagesKept`).
        public var messages: [ErrorMessage] = []
        public var distinctMessages = 0
    }

    public struct ErrorClass: Sendable, Codable {
        /// The SQLSTATE's first two characters: `23`.
        public var code: String
        public var name: String
        public var count: Int
        public var states: [Tally]
    }

    public struct ErrorMessage: Sendable, Codable {
        public var message: String
        public var severity: String
        public var sqlState: String?
        public var count: Int
        /// The first occurrence, as logged.
        public var example: String
        public var detail: String?
        public var hint: String?
        public var statement: String?
        public var file: String
        public var line: Int
        public var time: Double?
        public var user: String?
        public var database: String?
    }

    public struct LockWaitReport: Sendable, Codable {
        /// Waits longer than deadlock_timeout (each logged `still waiting` once, then its end).
        public var waits = 0
        public var acquired = 0
        public var deadlocked = 0
        /// Cancelled, timed out, or still waiting when the log ends: no `acquired` line.
        public var notAcquired = 0
        /// Acquired waits count their whole wait; the others the last time logged.
        public var totalMs = 0.0
        public var maxMs = 0.0
        public var byMode: [Tally] = []
        public var byObject: [LockObject] = []
        public var longest: [LockWait] = []
    }

    public struct LockObject: Sendable, Codable {
        /// The relation named in the CONTEXT line (`while updating tuple (0,1) in relation "t"`),
        /// else the object as logged (`relation 16384 of database 5`, `transaction 741`).
        public var object: String
        public var count: Int
        public var totalMs: Double
        public var maxMs: Double
    }

    public struct LockWait: Sendable, Codable {
        public var pid: Int
        public var user: String?
        public var database: String?
        public var application: String?
        public var mode: String
        public var object: String
        public var relation: String?
        public var waitedMs: Double
        /// `acquired`, `detected deadlock`, or `not acquired`.
        public var outcome: String
        /// From the DETAIL line: `Process holding the lock: 13. Wait queue: 12.`
        public var heldBy: [Int]
        public var statement: String?
        public var file: String
        public var line: Int
        public var time: Double?
    }

    public struct DeadlockReport: Sendable, Codable {
        public var count = 0
        /// The first ones, in log order.
        public var deadlocks: [Deadlock] = []
    }

    public struct Deadlock: Sendable, Codable {
        /// The process whose statement was cancelled to break the cycle.
        public var pid: Int?
        public var user: String?
        public var database: String?
        public var waits: [DeadlockWait]
        public var statements: [DeadlockStatement]
        public var statement: String?
        public var context: String?
        public var file: String
        public var line: Int
        public var time: Double?
    }

    public struct DeadlockWait: Sendable, Codable, Equatable {
        public var pid: Int
        public var mode: String
        public var object: String
        public var blockedBy: Int?
    }

    public struct DeadlockStatement: Sendable, Codable, Equatable {
        public var pid: Int
        public var statement: String
    }

    public struct TemporaryFileReport: Sendable, Codable {
        public var count = 0
        public var totalBytes = 0
        public var maxBytes = 0
        /// Files logged without the statement that wrote them.
        public var withoutStatement = 0
        /// By statement fingerprint, largest total first.
        public var statements: [TemporaryFileStatement] = []
    }

    public struct TemporaryFileStatement: Sendable, Codable {
        public var query: String
        public var example: String
        public var count: Int
        public var totalBytes: Int
        public var maxBytes: Int
    }

    public struct CheckpointReport: Sendable, Codable {
        public var started = 0
        public var completed = 0
        public var restartpoints = 0
        /// From the `starting:` flags: time, wal, requested, shutdown, end-of-recovery.
        public var byCause: [Tally] = []
        /// `checkpoints are occurring too frequently` warnings (max_wal_size too small).
        public var tooFrequent = 0
        public var buffersWritten = 0
        public var walFilesAdded = 0
        public var walFilesRemoved = 0
        public var walFilesRecycled = 0
        public var writeSeconds = 0.0
        public var syncSeconds = 0.0
        public var totalSeconds = 0.0
        public var maxTotalSeconds = 0.0
        public var distanceKB = 0.0
        public var maxDistanceKB = 0.0
    }

    public struct MaintenanceReport: Sendable, Codable {
        public var vacuums = 0
        public var analyzes = 0
        /// Most maintained first.
        public var tables: [TableMaintenance] = []
    }

    public struct TableMaintenance: Sendable, Codable {
        /// `database.schema.table`, as logged.
        public var table: String
        public var vacuums = 0
        public var aggressiveVacuums = 0
        public var wraparoundVacuums = 0
        public var analyzes = 0
        public var vacuumSeconds = 0.0
        public var maxVacuumSeconds = 0.0
        public var analyzeSeconds = 0.0
        public var maxAnalyzeSeconds = 0.0
        public var tuplesRemoved = 0
        public var pagesRemoved = 0
    }

    public struct ConnectionReport: Sendable, Codable {
        public var received = 0
        public var authorized = 0
        public var disconnections = 0
        /// From `connection authorized` lines (the host from the session's `connection received`).
        public var byDatabase: [Tally] = []
        public var byUser: [Tally] = []
        public var byApplication: [Tally] = []
        public var byHost: [Tally] = []
        /// From `disconnection: session time:` lines.
        public var sessionSeconds = 0.0
        public var maxSessionSeconds = 0.0
        public var sessionDurations: [Tally] = []
        /// The most sessions open at once (the same value as `summary.peakSessions`).
        public var peakSessions: SessionPeak?
    }

    public struct QueryBreakdown: Sendable, Codable {
        /// How many of the slowest executions are kept.
        public static let slowestKept = 50
        /// select, insert, update, delete, ddl, other: from each statement's parse tree.
        public var byType: [WorkloadShare] = []
        public var byDatabase: [WorkloadShare] = []
        public var byUser: [WorkloadShare] = []
        public var byApplication: [WorkloadShare] = []
        public var byHost: [WorkloadShare] = []
        /// The slowest executions, slowest first, with their bind parameters.
        public var slowest: [SlowExecution] = []
        /// Executions and time per minute; nil when the log spans more than a week of minutes.
        public var perMinute: [TimeBucket]? = []
        public var perHour: [TimeBucket] = []
    }

    public struct WorkloadShare: Sendable, Codable, Equatable {
        public var name: String
        public var executions: Int
        public var totalMs: Double
        public var errors: Int
    }

    public struct SlowExecution: Sendable, Codable {
        public var durationMs: Double
        public var query: String
        public var fingerprint: String
        public var parameters: String?
        public var time: Double?
        public var file: String?
        public var line: Int
        public var session: String?
        public var user: String?
        public var database: String?
        public var application: String?
    }

    public struct TimeBucket: Sendable, Codable, Equatable {
        /// Start of the minute or hour, seconds since 1970.
        public var time: Double
        public var executions: Int
        public var totalMs: Double
    }
}

/// SQLSTATE class names, from PostgreSQL's errcodes.txt.
enum SQLStateClass {
    static func name(_ code: String) -> String {
        switch code {
        case "00": return "successful completion"
        case "01": return "warning"
        case "02": return "no data"
        case "03": return "SQL statement not yet complete"
        case "08": return "connection exception"
        case "09": return "triggered action exception"
        case "0A": return "feature not supported"
        case "0B": return "invalid transaction initiation"
        case "0F": return "locator exception"
        case "0L": return "invalid grantor"
        case "0P": return "invalid role specification"
        case "0Z": return "diagnostics exception"
        case "20": return "case not found"
        case "21": return "cardinality violation"
        case "22": return "data exception"
        case "23": return "integrity constraint violation"
        case "24": return "invalid cursor state"
        case "25": return "invalid transaction state"
        case "26": return "invalid SQL statement name"
        case "27": return "triggered data change violation"
        case "28": return "invalid authorization specification"
        case "2B": return "dependent privilege descriptors still exist"
        case "2D": return "invalid transaction termination"
        case "2F": return "SQL routine exception"
        case "34": return "invalid cursor name"
        case "38": return "external routine exception"
        case "39": return "external routine invocation exception"
        case "3B": return "savepoint exception"
        case "3D": return "invalid catalog name"
        case "3F": return "invalid schema name"
        case "40": return "transaction rollback"
        case "42": return "syntax error or access rule violation"
        case "44": return "WITH CHECK OPTION violation"
        case "53": return "insufficient resources"
        case "54": return "program limit exceeded"
        case "55": return "object not in prerequisite state"
        case "57": return "operator intervention"
        case "58": return "system error"
        case "72": return "snapshot failure"
        case "F0": return "configuration file error"
        case "HV": return "foreign data wrapper error"
        case "P0": return "PL/pgSQL error"
        case "XX": return "internal error"
        default: return "unknown class"
        }
    }
}

/// Reads the server events out of a log's entries as they stream past (on the reading thread),
/// keeping only counters, the live sessions' pending messages and a bounded set of examples.
final class ServerEventCollector {
    static let messagesKept = 10_000
    static let examplesKept = 20

    /// Entries that are messages of their own (not DETAIL, HINT, CONTEXT or STATEMENT lines):
    /// the same count whether the format gives those as lines or as fields.
    var entries = 0
    let hidingLiterals: Bool
    var file = ""
    var report = OperationalReport()

    enum Key: Hashable { case id(String), pid(Int), unknown }
    private(set) var pending: [Key: (message: CompleteMessage, event: ServerEvent)] = [:]
    /// How many keys of `pending` fall in each bucket of a cheap hash: most entries' sessions
    /// have nothing pending, and a zero here says so without hashing the key for `pending`.
    private var pendingBuckets = [UInt32](repeating: 0, count: ServerEventCollector.bucketCount)
    private static let bucketCount = 1024
    /// Per live session: the host of its `connection received` line.
    var hosts: [Key: String] = [:]

    var errorMessages: [String: OperationalReport.ErrorMessage] = [:]
    var severities: [String: Int] = [:]
    var states: [String: [String: Int]] = [:]
    var otherMessages = 0

    struct OpenWait: Hashable { var key: Key; var mode: String; var object: String }
    var openWaits: [OpenWait: OperationalReport.LockWait] = [:]
    var lockModes: [String: Int] = [:]
    var lockObjects: [String: OperationalReport.LockObject] = [:]

    var temporaryStatements: [String: OperationalReport.TemporaryFileStatement] = [:]
    var causes: [String: Int] = [:]
    var tables: [String: OperationalReport.TableMaintenance] = [:]
    var connectionTallies: [WritableKeyPath<OperationalReport.ConnectionReport, [OperationalReport.Tally]>: [String: Int]] = [:]
    var durations: [String: Int] = [:]
    /// The report's totals of times, kept exact (see `ExactSum`) by name.
    var sums: [String: ExactSum] = [:]

    init(hidingLiterals: Bool) { self.hidingLiterals = hidingLiterals }

    func beginFile(_ name: String) {
        finishFile()
        file = name
    }

    func add(_ entry: LogEntry) {
        let key: Key = entry.sessionID.map { .id($0) } ?? entry.pid.map { .pid($0) } ?? .unknown
        let bucket = Self.bucket(key)
        let mayBePending = pendingBuckets[bucket] > 0
        if entry.severity.isSecondary {
            if mayBePending { pending[key]?.message.complete(with: entry) }
            return
        }
        entries += 1
        if mayBePending, let waiting = pending.removeValue(forKey: key) {
            pendingBuckets[bucket] -= 1
            record(waiting.message, waiting.event, key: key)
        }
        guard Self.mayBeEvent(entry) else { return }
        let message = CompleteMessage(entry, file: file)
        guard let event = ServerEvent.recognise(message) else { return }
        // Not in `pending`: it was just taken out.
        pending[key] = (message, event)
        pendingBuckets[bucket] += 1
    }

    /// The bucket of `key` in `pendingBuckets`.
    private static func bucket(_ key: Key) -> Int {
        switch key {
        case .pid(let pid): return pid & (bucketCount - 1)
        case .id(let id):
            var hash = 0
            for byte in id.utf8 { hash = hash &* 31 &+ Int(byte) }
            return hash & (bucketCount - 1)
        case .unknown: return 0
        }
    }

    /// Most entries of a large log are `duration:` and `statement:` lines: they are passed by on
    /// their first bytes.
    private static func mayBeEvent(_ entry: LogEntry) -> Bool {
        if entry.severity.isError { return true }
        guard entry.severity == .log else { return false }
        var bytes = entry.message.utf8.makeIterator()
        switch bytes.next() {
        case UInt8(ascii: "t"), UInt8(ascii: "p"), UInt8(ascii: "c"), UInt8(ascii: "r"), UInt8(ascii: "a"): return true
        case UInt8(ascii: "d"): return bytes.next() == UInt8(ascii: "i")
        default: return false
        }
    }

    /// Completes what is pending: at the end of each input (sessions never continue across files).
    func finishFile() {
        for (key, waiting) in pending { record(waiting.message, waiting.event, key: key) }
        pending.removeAll()
        for bucket in pendingBuckets.indices { pendingBuckets[bucket] = 0 }
        for wait in openWaits.values { closeWait(wait, outcome: "not acquired") }
        openWaits.removeAll()
        hosts.removeAll()
    }

    private func shown(_ sql: String?) -> String? {
        sql.map { hidingLiterals ? Redaction.hidingLiterals(in: $0) : Redaction.hidingPasswords(in: $0) }
    }

    private func record(_ message: CompleteMessage, _ event: ServerEvent, key: Key) {
        let entry = message.entry
        switch event {
        case .error(let severity):
            recordError(message, severity: severity)
            // The process exits: a refused connection logs no disconnection.
            if severity != .error { hosts[key] = nil }
            if entry.sqlState == "40P01" || entry.message == "deadlock detected" { recordDeadlock(message) }
        case .lockWait(let line): recordLockWait(line, message, key: key)
        case .temporaryFile(let bytes):
            report.temporaryFiles.count += 1
            report.temporaryFiles.totalBytes = report.temporaryFiles.totalBytes.addingSaturated(bytes)
            report.temporaryFiles.maxBytes = max(report.temporaryFiles.maxBytes, bytes)
            guard let statement = message.statement else { return report.temporaryFiles.withoutStatement += 1 }
            let fingerprint = (try? PgQuery.fingerprint(statement).hex) ?? statement.trimmingWhitespace
            guard temporaryStatements[fingerprint] != nil || temporaryStatements.count < Self.messagesKept else { return }
            var group = temporaryStatements[fingerprint] ?? OperationalReport.TemporaryFileStatement(
                query: hidingLiterals ? Redaction.hidingLiterals(in: statement)
                    : Redaction.hidingPasswords(in: (try? PgQuery.normalize(statement)) ?? statement),
                example: shown(statement) ?? "", count: 0, totalBytes: 0, maxBytes: 0)
            group.count += 1
            group.totalBytes = group.totalBytes.addingSaturated(bytes)
            group.maxBytes = max(group.maxBytes, bytes)
            temporaryStatements[fingerprint] = group
        case .checkpointStarting(let cause):
            report.checkpoints.started += 1
            causes[cause, default: 0] += 1
        case .checkpointComplete(let line):
            var checkpoints = report.checkpoints
            checkpoints.completed += 1
            if line.restartpoint { checkpoints.restartpoints += 1 }
            checkpoints.buffersWritten += line.buffers ?? 0
            checkpoints.walFilesAdded += line.walAdded ?? 0
            checkpoints.walFilesRemoved += line.walRemoved ?? 0
            checkpoints.walFilesRecycled += line.walRecycled ?? 0
            checkpoints.writeSeconds = total("checkpoint-write", line.writeSeconds ?? 0)
            checkpoints.syncSeconds = total("checkpoint-sync", line.syncSeconds ?? 0)
            checkpoints.totalSeconds = total("checkpoint-total", line.totalSeconds ?? 0)
            checkpoints.maxTotalSeconds = max(checkpoints.maxTotalSeconds, line.totalSeconds ?? 0)
            checkpoints.distanceKB = total("checkpoint-distance", line.distanceKB ?? 0)
            checkpoints.maxDistanceKB = max(checkpoints.maxDistanceKB, line.distanceKB ?? 0)
            report.checkpoints = checkpoints
        case .checkpointsTooFrequent: report.checkpoints.tooFrequent += 1
        case .maintenance(let line):
            var table = tables[line.table] ?? OperationalReport.TableMaintenance(table: line.table)
            let seconds = line.elapsedSeconds ?? 0
            if line.analyze {
                report.maintenance.analyzes += 1
                table.analyzes += 1
                table.analyzeSeconds = total("analyze\u{0}" + line.table, seconds)
                table.maxAnalyzeSeconds = max(table.maxAnalyzeSeconds, seconds)
            } else {
                report.maintenance.vacuums += 1
                table.vacuums += 1
                if line.aggressive { table.aggressiveVacuums += 1 }
                if line.wraparound { table.wraparoundVacuums += 1 }
                table.vacuumSeconds = total("vacuum\u{0}" + line.table, seconds)
                table.maxVacuumSeconds = max(table.maxVacuumSeconds, seconds)
                table.tuplesRemoved += line.tuplesRemoved ?? 0
                table.pagesRemoved += line.pagesRemoved ?? 0
            }
            tables[line.table] = table
        case .connectionReceived(let host):
            report.connections.received += 1
            if let host = ServerEvent.hostName(host) ?? ServerEvent.hostName(entry.host) { hosts[key] = host }
        case .connectionAuthorized(let user, let database, let application):
            report.connections.authorized += 1
            func count(_ path: WritableKeyPath<OperationalReport.ConnectionReport, [OperationalReport.Tally]>, _ value: String?) {
                connectionTallies[path, default: [:]][value ?? "(none)", default: 0] += 1
            }
            count(\.byDatabase, database ?? entry.database)
            count(\.byUser, user ?? entry.user)
            count(\.byApplication, application ?? entry.application)
            count(\.byHost, hosts[key] ?? ServerEvent.hostName(entry.host))
        case .disconnection(let seconds, _, _, _):
            report.connections.disconnections += 1
            hosts[key] = nil
            guard let seconds else { return }
            report.connections.sessionSeconds = total("session-seconds", seconds)
            report.connections.maxSessionSeconds = max(report.connections.maxSessionSeconds, seconds)
            durations[Self.durationBucket(seconds), default: 0] += 1
        }
    }

    private static let durationBuckets: [(limit: Double, name: String)] = [
        (1, "< 1 s"), (10, "1–10 s"), (60, "10 s–1 min"), (600, "1–10 min"), (3600, "10 min–1 h"), (.infinity, "≥ 1 h"),
    ]

    private static func durationBucket(_ seconds: Double) -> String {
        durationBuckets.first { seconds < $0.limit }?.name ?? "≥ 1 h"
    }

    private func recordError(_ message: CompleteMessage, severity: LogSeverity) {
        let entry = message.entry
        let severityName = String(describing: severity).uppercased()
        report.errors.total += 1
        severities[severityName, default: 0] += 1
        if let state = entry.sqlState {
            states[String(state.prefix(2)), default: [:]][state, default: 0] += 1
        } else {
            report.errors.withoutSQLState += 1
        }
        let normalized = ServerEvent.normalizedMessage(entry.message)
        let key = severityName + "\u{0}" + (entry.sqlState ?? "") + "\u{0}" + normalized
        if var existing = errorMessages[key] {
            existing.count += 1
            errorMessages[key] = existing
            return
        }
        guard errorMessages.count < Self.messagesKept else { return otherMessages += 1 }
        // Shared reports keep the message's shape only: values in it (a key, a name) may be data.
        errorMessages[key] = OperationalReport.ErrorMessage(
            message: normalized, severity: severityName, sqlState: entry.sqlState, count: 1,
            example: hidingLiterals ? normalized : entry.message, detail: hidingLiterals ? nil : message.detail,
            hint: message.hint, statement: shown(message.statement), file: file, line: entry.line, time: entry.time,
            user: entry.user, database: entry.database)
    }

    private func recordDeadlock(_ message: CompleteMessage) {
        report.deadlocks.count += 1
        guard report.deadlocks.deadlocks.count < Self.examplesKept else { return }
        let cycle = ServerEvent.deadlockCycle(message.detail ?? "")
        let entry = message.entry
        report.deadlocks.deadlocks.append(OperationalReport.Deadlock(
            pid: entry.pid, user: entry.user, database: entry.database, waits: cycle.waits,
            statements: hidingLiterals ? cycle.statements.map { .init(pid: $0.pid, statement: Redaction.hidingLiterals(in: $0.statement)) }
                : cycle.statements.map { .init(pid: $0.pid, statement: Redaction.hidingPasswords(in: $0.statement)) },
            statement: shown(message.statement), context: message.context, file: file, line: entry.line, time: entry.time))
    }

    private func recordLockWait(_ line: ServerEvent.LockWaitLine, _ message: CompleteMessage, key: Key) {
        let entry = message.entry
        let open = OpenWait(key: key, mode: line.mode, object: line.object)
        var wait = openWaits[open] ?? OperationalReport.LockWait(
            pid: line.pid, user: entry.user, database: entry.database, application: entry.application, mode: line.mode,
            object: line.object, relation: Self.relation(inContext: message.context), waitedMs: 0, outcome: "not acquired",
            heldBy: Self.holders(in: message.detail), statement: shown(message.statement), file: file, line: entry.line, time: entry.time)
        wait.waitedMs = max(wait.waitedMs, line.milliseconds)
        if wait.relation == nil { wait.relation = Self.relation(inContext: message.context) }
        if wait.statement == nil { wait.statement = shown(message.statement) }
        switch line.outcome {
        case .stillWaiting, .avoidedDeadlock: openWaits[open] = wait
        case .acquired:
            openWaits[open] = nil
            closeWait(wait, outcome: "acquired")
        case .deadlock:
            openWaits[open] = nil
            closeWait(wait, outcome: "detected deadlock")
        }
    }

    private func closeWait(_ wait: OperationalReport.LockWait, outcome: String) {
        var wait = wait
        wait.outcome = outcome
        var locks = report.lockWaits
        locks.waits += 1
        switch outcome {
        case "acquired": locks.acquired += 1
        case "detected deadlock": locks.deadlocked += 1
        default: locks.notAcquired += 1
        }
        locks.totalMs = total("lock-waits", wait.waitedMs)
        locks.maxMs = max(locks.maxMs, wait.waitedMs)
        lockModes[wait.mode, default: 0] += 1
        let objectName = wait.relation.map { "relation \($0)" } ?? wait.object
        var object = lockObjects[objectName] ?? OperationalReport.LockObject(object: objectName, count: 0, totalMs: 0, maxMs: 0)
        object.count += 1
        object.maxMs = max(object.maxMs, wait.waitedMs)
        if lockObjects.count < Self.messagesKept || lockObjects[objectName] != nil {
            object.totalMs = total("lock-object\u{0}" + objectName, wait.waitedMs)
            lockObjects[objectName] = object
        }
        locks.longest.append(wait)
        if locks.longest.count > Self.examplesKept * 2 { locks.longest = Self.longest(locks.longest) }
        report.lockWaits = locks
    }

    /// Adds `value` to the total named `name`; its exact sum so far.
    private func total(_ name: String, _ value: Double) -> Double {
        sums[name, default: ExactSum()].add(value)
        return sums[name]?.value ?? 0
    }

    /// The longest waits: equal ones by their place, so that the same are kept in any order.
    static func longest(_ waits: [OperationalReport.LockWait]) -> [OperationalReport.LockWait] {
        Array(waits.sorted { ($0.waitedMs, $1.file, $1.line) > ($1.waitedMs, $0.file, $0.line) }.prefix(examplesKept))
    }

    /// `while updating tuple (0,1) in relation "accounts"` → `accounts`.
    static func relation(inContext context: String?) -> String? {
        guard let context, let range = context.range(of: " in relation \"") else { return nil }
        let rest = context[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// `Process holding the lock: 13. Wait queue: 12.` / `Processes holding the lock: 13, 14. …`
    static func holders(in detail: String?) -> [Int] {
        guard let detail, let range = detail.range(of: " holding the lock: ") else { return [] }
        return detail[range.upperBound...].prefix { $0 != "." }.split(separator: ",").compactMap {
            Int($0.trimmingWhitespace)
        }
    }

    /// The collected events; the statement breakdown is the analyzer's.
    func finish() -> OperationalReport {
        finishFile()
        var result = report
        func tallies(_ counts: [String: Int]) -> [OperationalReport.Tally] {
            counts.map { OperationalReport.Tally(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        }
        result.errors.bySeverity = tallies(severities)
        result.errors.classes = states.map { code, states in
            OperationalReport.ErrorClass(code: code, name: SQLStateClass.name(code), count: states.values.reduce(0, +),
                                         states: tallies(states))
        }.sorted { ($0.count, $1.code) > ($1.count, $0.code) }
        result.errors.distinctMessages = errorMessages.count + otherMessages
        result.errors.messages = errorMessages.values.sorted {
            ($0.count, $1.line, $1.file, $1.message, $1.severity) > ($1.count, $0.line, $0.file, $0.message, $0.severity)
        }
        result.lockWaits.byMode = tallies(lockModes)
        result.lockWaits.byObject = lockObjects.values.sorted { ($0.totalMs, $1.object) > ($1.totalMs, $0.object) }
        result.lockWaits.longest = Self.longest(result.lockWaits.longest)
        result.temporaryFiles.statements = Array(temporaryStatements.values
            .sorted { ($0.totalBytes, $0.count, $1.query) > ($1.totalBytes, $1.count, $0.query) }.prefix(Self.examplesKept))
        result.checkpoints.byCause = tallies(causes)
        result.maintenance.tables = tables.values.sorted {
            ($0.vacuums + $0.analyzes, $1.table) > ($1.vacuums + $1.analyzes, $0.table)
        }
        for (path, counts) in connectionTallies { result.connections[keyPath: path] = tallies(counts) }
        result.connections.sessionDurations = Self.durationBuckets.compactMap { bucket in
            durations[bucket.name].map { OperationalReport.Tally(name: bucket.name, count: $0) }
        }
        return result
    }
}

/// The statement workload by type, database, user, application, host and time, and its slowest
/// executions. Fed by `WorkloadAnalyzer` with every execution and every session's end.
struct QueryBreakdownCounter {
    static let minutesKept = 7 * 24 * 60

    struct Totals: Codable {
        var executions = 0
        var totalMs = ExactSum()
        var errors = 0
        /// pg_stat_statements' totals past what `ExactSum` adds exactly.
        var importedMs = 0.0
        var milliseconds: Double { importedMs == 0 ? totalMs.value : importedMs.addingSaturated(totalMs.value) }
        mutating func add(_ execution: Execution) {
            if execution.isError { errors += 1; return }
            executions += 1
            totalMs.add(execution.durationMs ?? 0)
        }
        mutating func add(_ other: Totals) {
            executions = executions.addingSaturated(other.executions)
            totalMs.add(other.totalMs)
            errors += other.errors
            importedMs = importedMs.addingSaturated(other.importedMs)
        }
    }

    /// A minute's or an hour's executions.
    struct Bucket: Codable {
        var executions = 0
        var totalMs = ExactSum()
        mutating func add(_ other: Bucket) {
            executions += other.executions
            totalMs.add(other.totalMs)
        }
    }

    /// One of the slowest executions, and where it was: equal durations keep the earliest.
    struct Slow: Codable {
        var execution: Execution
        var fingerprint: String
        var query: String
        var info: SessionInfo?
        /// The segment of its session it ran in, until the session is whole and `info` known.
        var segment: Group.Position?
        func outranks(_ other: Slow) -> Bool {
            let (mine, theirs) = (execution.durationMs ?? 0, other.execution.durationMs ?? 0)
            return mine != theirs ? mine > theirs : Group.Position(execution) < Group.Position(other.execution)
        }
    }

    var byType: [String: Totals] = [:]
    /// Live sessions' totals, attributed to who the session was once it ends.
    var sessions: [Int: Totals] = [:]
    var byDatabase: [String: Totals] = [:]
    var byUser: [String: Totals] = [:]
    var byApplication: [String: Totals] = [:]
    var byHost: [String: Totals] = [:]
    var slowest: [Slow] = []
    var minutes: [Int: Bucket] = [:]
    var minutesOverflowed = false
    var hours: [Int: Bucket] = [:]
    /// The minute being counted: a log is in time order, so most executions fall in the last one.
    private var current: (minute: Int, bucket: Bucket)?

    mutating func add(_ execution: Execution, type: String, fingerprint: String, hidingLiterals: Bool) {
        byType[type, default: Totals()].add(execution)
        sessions[execution.session, default: Totals()].add(execution)
        guard !execution.isError else { return }
        let milliseconds = execution.durationMs ?? 0
        if let time = execution.time, let minute = Int(exactly: (time / 60).rounded(.down)) {
            if current?.minute != minute {
                flushMinute()
                current = (minute, Bucket())
            }
            current?.bucket.executions += 1
            current?.bucket.totalMs.add(milliseconds)
        }
        guard let duration = execution.durationMs,
              slowest.count < OperationalReport.QueryBreakdown.slowestKept || duration >= (slowest.last?.execution.durationMs ?? 0)
        else { return }
        let candidate = Slow(execution: execution, fingerprint: fingerprint, query: "")
        guard slowest.count < OperationalReport.QueryBreakdown.slowestKept || candidate.outranks(slowest[slowest.count - 1]) else { return }
        var kept = execution
        if hidingLiterals {
            kept.text = Redaction.hidingLiterals(in: kept.text)
            kept.parameters = nil
        } else {
            kept.text = Redaction.hidingPasswords(in: kept.text)
        }
        kept.plan = nil
        let index = slowest.firstIndex { candidate.outranks($0) } ?? slowest.count
        slowest.insert(Slow(execution: kept, fingerprint: fingerprint, query: kept.text), at: index)
        if slowest.count > OperationalReport.QueryBreakdown.slowestKept { slowest.removeLast() }
    }

    /// A pg_stat_statements row: its calls and time, by type (it has no sessions or times).
    mutating func add(calls: Int, totalMs: Double, type: String) {
        var totals = byType[type, default: Totals()]
        totals.executions = totals.executions.addingSaturated(calls)
        totals.totalMs.add(totalMs, beyond: &totals.importedMs)
        byType[type] = totals
    }

    mutating func flushMinute() {
        guard let (minute, bucket) = current else { return }
        current = nil
        // Floor division: times before 1970 are negative.
        hours[WorkloadAnalyzer.floorDivide(minute, 60), default: Bucket()].add(bucket)
        guard !minutesOverflowed else { return }
        minutes[minute, default: Bucket()].add(bucket)
        if minutes.count > Self.minutesKept {
            minutesOverflowed = true
            minutes.removeAll()
        }
    }

    /// Names the slowest executions of a session's segment that ended (`WorkloadAnalyzer.detach`):
    /// session numbers are not unique once summaries merge, and who the session was comes later.
    mutating func name(_ session: Int, segment start: Group.Position) {
        for index in slowest.indices where slowest[index].execution.session == session && slowest[index].info == nil
            && slowest[index].segment == nil {
            slowest[index].segment = start
        }
    }

    /// A whole session: its executions' totals go to who it was, and so do its slowest executions.
    mutating func endSession(totals: Totals?, segments: Set<Group.Position>, info: SessionInfo) {
        for index in slowest.indices where slowest[index].info == nil {
            guard let segment = slowest[index].segment, segments.contains(segment) else { continue }
            slowest[index].info = info
            slowest[index].segment = nil
        }
        guard let totals else { return }
        byDatabase[info.database ?? "(none)", default: Totals()].add(totals)
        byUser[info.user ?? "(none)", default: Totals()].add(totals)
        byApplication[info.application ?? "(none)", default: Totals()].add(totals)
        byHost[ServerEvent.hostName(info.host) ?? "(none)", default: Totals()].add(totals)
    }

    mutating func report() -> OperationalReport.QueryBreakdown {
        flushMinute()
        func shares(_ totals: [String: Totals]) -> [OperationalReport.WorkloadShare] {
            totals.map { OperationalReport.WorkloadShare(name: $0.key, executions: $0.value.executions, totalMs: $0.value.milliseconds,
                                                         errors: $0.value.errors) }
                .sorted { ($0.totalMs, $0.executions, $1.name) > ($1.totalMs, $1.executions, $0.name) }
        }
        // A breakdown with only `(none)` says the log has no such field: left out.
        func known(_ totals: [String: Totals]) -> [OperationalReport.WorkloadShare] {
            totals.count == 1 && totals["(none)"] != nil ? [] : shares(totals)
        }
        func buckets(_ counts: [Int: Bucket], seconds: Int) -> [OperationalReport.TimeBucket] {
            counts.keys.sorted().map {
                OperationalReport.TimeBucket(time: Double($0 * seconds), executions: counts[$0]!.executions, totalMs: counts[$0]!.totalMs.value)
            }
        }
        var result = OperationalReport.QueryBreakdown()
        let order = ["select", "insert", "update", "delete", "ddl", "other"]
        result.byType = order.compactMap { name in
            byType[name].map { OperationalReport.WorkloadShare(name: name, executions: $0.executions, totalMs: $0.milliseconds, errors: $0.errors) }
        }
        result.byDatabase = known(byDatabase)
        result.byUser = known(byUser)
        result.byApplication = known(byApplication)
        result.byHost = known(byHost)
        result.slowest = slowest.map { item in
            let info = item.info
            return OperationalReport.SlowExecution(
                durationMs: item.execution.durationMs ?? 0, query: item.query, fingerprint: item.fingerprint,
                parameters: item.execution.parameters, time: item.execution.time, file: info?.file, line: item.execution.line,
                session: info.map { $0.id ?? $0.pid.map(String.init) ?? "" }, user: info?.user, database: info?.database,
                application: info?.application)
        }
        result.perMinute = minutesOverflowed ? nil : buckets(minutes, seconds: 60)
        result.perHour = buckets(hours, seconds: 3600)
        return result
    }
}

extension Group {
    /// The statement type the operational report counts: from the parse tree's root node.
    static func statementType(of kind: NodeKind?, statements: Int) -> String {
        guard let kind, statements == 1 else { return "other" }
        switch kind {
        case .selectStmt: return "select"
        case .insertStmt: return "insert"
        case .updateStmt: return "update"
        case .deleteStmt: return "delete"
        case .createTableAsStmt, .viewStmt, .indexStmt, .truncateStmt, .commentStmt, .grantStmt, .grantRoleStmt,
             .renameStmt, .ruleStmt, .defineStmt, .compositeTypeStmt, .secLabelStmt, .reassignOwnedStmt,
             .replicaIdentityStmt, .importForeignSchemaStmt, .refreshMatViewStmt:
            return "ddl"
        default:
            let name = kind.rawValue
            return name.hasPrefix("Create") || name.hasPrefix("Alter") || name.hasPrefix("Drop") ? "ddl" : "other"
        }
    }
}
