import Foundation

/// One statement the server ran (or refused), assembled from a log's entries.
public struct Execution: Sendable {
    public var line: Int
    public var time: Double?
    /// Ordinal of the session in `StatementAssembler.sessions`.
    public var session: Int
    public var text: String
    /// `$1 = '42', $2 = 'x'` from the `DETAIL:  parameters:` line of the extended protocol.
    public var parameters: String?
    public var durationMs: Double?
    /// An `ERROR` whose `STATEMENT` is `text`: counted as an error, not an execution.
    public var isError: Bool
    /// auto_explain's plan, when one was logged for this execution.
    public var plan: String?
    /// False when the log has no session key (`%p`, `%c`): `session` then merges every session.
    public var sessionKnown = true
}

/// Who a session was: from `%c` or `%p`, with `%u`, `%d` and `%a` when the log has them.
public struct SessionInfo: Sendable, Codable {
    public var id: String?
    public var pid: Int?
    public var user: String?
    public var database: String?
    public var application: String?
    public var file: String
    /// `%h` / `%r`, csvlog's connection_from, jsonlog's remote_host, when the log has them.
    public var host: String? = nil
}

/// Turns entries into executions exactly as PostgreSQL logs them: `duration: … ms  statement:`
/// (simple protocol), `parse` / `bind` / `execute` (extended protocol; only `execute` runs the
/// statement), `DETAIL:  parameters:`, `ERROR` + `STATEMENT`, `statement:` followed by a bare
/// `duration:` (log_statement with log_duration), and auto_explain's `plan:`. Entries are matched
/// to their session, so interleaved sessions never mix.
public final class StatementAssembler {
    /// Sessions seen so far (ended or not).
    public private(set) var sessionCount = 0
    public private(set) var entries = 0
    /// Entries with neither a session id nor a pid: they all share one merged session.
    public private(set) var entriesWithoutSession = 0
    /// Only live sessions are kept: memory follows the sessions open at once, not the log.
    private var live: [SessionKey: Int] = [:]
    private var infos: [Int: SessionInfo] = [:]
    private var pending: [Int: Pending] = [:]
    private var plans: [Int: String] = [:]
    private var file = ""
    private var ended: [(Int, SessionInfo)] = []
    /// Durations refused since the last `takeWarnings()`.
    private var warnings = InputWarnings()
    private var peakCounter = SessionPeakCounter()
    /// The highest of the inputs' peaks of sessions open at once, once each input is finished.
    public private(set) var sessionPeak: SessionPeak?

    private struct Pending {
        enum Kind { case execution, error, plan, other }
        var kind: Kind
        var line: Int
        var time: Double?
        var text: String
        var parameters: String?
        var durationMs: Double?
        /// An extended-protocol `execute`: its portal ends after the duration line, so
        /// auto_explain's plan for it comes next (a simple query's comes before it).
        var planFollows = false
        var plan: String?
    }

    public init() {}

    /// Starts a new input: sessions never continue across files.
    public func beginFile(_ path: String, emit: (Execution) -> Void) {
        finish(emit: emit)
        file = path
    }

    /// Sessions that ended (disconnection, end of input) since the last call, with who they were.
    /// Their executions have all been emitted before this returns them.
    public func takeEndedSessions() -> [(session: Int, info: SessionInfo)] {
        defer { ended.removeAll(keepingCapacity: true) }
        return ended
    }

    /// Values refused since the last call: durations that cannot be times (`1e400`, `nan`, `-5`).
    public func takeWarnings() -> InputWarnings {
        defer { warnings = InputWarnings() }
        return warnings
    }

    public func add(_ entry: LogEntry, emit: (Execution) -> Void) {
        entries += 1
        let session = sessionOrdinal(for: entry)
        let keyed = live[.unknown] != session
        if keyed { peakCounter.see(session, entry) }
        if entry.severity.isSecondary {
            guard var current = pending[session] else { return }
            switch entry.severity {
            case .detail: current.parameters = Self.parameters(in: entry.message) ?? current.parameters
            case .statement where current.kind == .error: current.text = entry.message
            default: break
            }
            pending[session] = current
            return
        }
        var next = classify(entry)
        if next.kind == .plan, var previous = pending[session], previous.kind == .execution, previous.planFollows, previous.plan == nil,
           Self.queryText(ofPlan: next.text).map({ previous.text == $0 || previous.text.hasPrefix($0 + "\n") }) ?? true {
            previous.plan = next.text
            pending[session] = previous
            return
        }
        if next.kind == .other, next.durationMs != nil, var previous = pending[session],
           previous.kind == .execution, previous.durationMs == nil {
            // `log_statement` logged the text; this bare `duration:` line completes it.
            previous.durationMs = next.durationMs
            pending[session] = previous
            next = Pending(kind: .other, line: entry.line, text: "")
        }
        flush(session, emit: emit)
        if next.kind != .other { pending[session] = next }
        if entry.severity == .log, entry.message.hasPrefix("disconnection: ") { endSession(of: entry, emit: emit) }
    }

    /// Emits what is still pending and ends every session (at the end of each input).
    public func finish(emit: (Execution) -> Void) {
        for session in pending.keys.sorted() { flush(session, emit: emit) }
        if let peak = peakCounter.finish(file: file) { sessionPeak = peak.combined(with: sessionPeak) }
        plans.removeAll()
        for session in infos.keys.sorted() { if let info = infos[session] { ended.append((session, info)) } }
        infos.removeAll()
        live.removeAll()
    }

    private func endSession(of entry: LogEntry, emit: (Execution) -> Void) {
        guard let key = Self.key(of: entry), let session = live.removeValue(forKey: key) else { return }
        flush(session, emit: emit)
        plans[session] = nil
        if let info = infos.removeValue(forKey: session) { ended.append((session, info)) }
    }

    private func flush(_ session: Int, emit: (Execution) -> Void) {
        guard let current = pending.removeValue(forKey: session) else { return }
        // A session that ran (or was refused) a statement is a client's, not a background process.
        if current.kind == .execution || current.kind == .error && !current.text.isEmpty { peakCounter.ranStatement(session) }
        switch current.kind {
        case .execution:
            emit(Execution(line: current.line, time: current.time, session: session, text: current.text,
                           parameters: current.parameters, durationMs: current.durationMs, isError: false,
                           plan: current.plan ?? plans.removeValue(forKey: session), sessionKnown: live[.unknown] != session))
        case .error where !current.text.isEmpty:
            emit(Execution(line: current.line, time: current.time, session: session, text: current.text,
                           parameters: current.parameters, durationMs: nil, isError: true, plan: nil,
                           sessionKnown: live[.unknown] != session))
        case .plan:
            // auto_explain logs at executor end, before the statement's own duration line.
            plans[session] = current.text
        case .error, .other: break
        }
    }

    /// `%c` when the log has it, else `%p`.
    private enum SessionKey: Hashable {
        case id(String)
        case pid(Int)
        case unknown
    }

    private static func key(of entry: LogEntry) -> SessionKey? {
        if let id = entry.sessionID { return .id(id) }
        if let pid = entry.pid { return .pid(pid) }
        return nil
    }

    private func sessionOrdinal(for entry: LogEntry) -> Int {
        let key = Self.key(of: entry) ?? .unknown
        if key == .unknown { entriesWithoutSession += 1 }
        if let ordinal = live[key] {
            if var info = infos[ordinal], info.user == nil || info.database == nil || info.application == nil || info.host == nil {
                info.user = info.user ?? entry.user
                info.database = info.database ?? entry.database
                info.application = info.application ?? entry.application
                info.host = info.host ?? entry.host
                infos[ordinal] = info
            }
            return ordinal
        }
        let ordinal = sessionCount
        sessionCount += 1
        infos[ordinal] = SessionInfo(id: entry.sessionID, pid: entry.pid, user: entry.user, database: entry.database,
                                     application: entry.application, file: file, host: entry.host)
        live[key] = ordinal
        return ordinal
    }

    private func classify(_ entry: LogEntry) -> Pending {
        var result = Pending(kind: .other, line: entry.line, time: entry.time, text: "")
        if entry.severity.isError {
            result.kind = .error
            result.text = entry.statement ?? ""
            return result
        }
        guard entry.severity == .log else { return result }
        // Byte-level parsing: this runs once per entry of logs with millions of them.
        var message = entry.message
        message.withUTF8 { bytes in
            var position = 0
            func skip(_ prefix: StaticString) -> Bool {
                let count = prefix.utf8CodeUnitCount
                guard position + count <= bytes.count else { return false }
                for offset in 0 ..< count where bytes[position + offset] != prefix.utf8Start[offset] { return false }
                position += count
                return true
            }
            func rest() -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[position...]), as: UTF8.self) }
            if skip("duration: ") {
                let start = position
                while position < bytes.count, bytes[position] != 32 { position += 1 }
                guard bytes[position...].starts(with: " ms".utf8) else { return }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self)
                switch LogNumber.milliseconds(text) {
                case .success(let milliseconds): result.durationMs = milliseconds
                case .failure(let refusal):
                    // The statement still ran and still counts, without a time.
                    warnings.record(line: entry.line, LogNumber.describe("duration", text, refusal) + "; counted without a duration")
                }
                position += 3
                while position < bytes.count, bytes[position] == 32 { position += 1 }
            }
            if skip("statement: ") {
                result.kind = .execution
                result.text = rest()
            } else if skip("execute ") {
                // `execute <name>[/<portal>]: text` or `execute fetch from <name>/<portal>: text`.
                while position + 1 < bytes.count, !(bytes[position] == 58 && bytes[position + 1] == 32) { position += 1 }
                guard position + 1 < bytes.count else { return }
                position += 2
                result.kind = .execution
                result.planFollows = true
                result.text = rest()
            } else if skip("plan:") {
                while position < bytes.count, bytes[position] == 10 || bytes[position] == 32 { position += 1 }
                result.kind = .plan
                result.text = rest()
            }
        }
        if result.kind == .execution, let detail = entry.detail {
            result.parameters = Self.parameters(in: detail)
        }
        return result
    }

    /// auto_explain's `Query Text` (JSON format; the first line in text format), to pair a plan
    /// with its statement.
    static func queryText(ofPlan plan: String) -> String? {
        if plan.hasPrefix("{") {
            return (try? JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [String: Any])?["Query Text"] as? String
        }
        guard plan.hasPrefix("Query Text: ") else { return nil }
        return String(plan.dropFirst(12).prefix { $0 != "\n" })
    }

    /// `parameters: $1 = '42'` → `$1 = '42'`.
    static func parameters(in detail: String) -> String? {
        detail.hasPrefix("parameters: ") ? String(detail.dropFirst(12)) : nil
    }
}
