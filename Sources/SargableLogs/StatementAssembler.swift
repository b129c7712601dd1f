import Foundation
import SargablePlan

/// One statement the server ran (or refused), assembled from a log's entries.
public struct Execution: Sendable, Codable {
    public var line: Int
    /// Ordinal of the input `line` is in, in the order the inputs were read: with `line`, where
    /// in the whole log the statement was, whichever order sessions' statements complete in.
    public var file = 0
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
    private var live: [SessionKey: LiveSession] = [:]
    /// `live[.unknown]`, asked for on every entry.
    private var unknownSession: Int?
    private var infos: [Int: SessionInfo] = [:]
    private var pending: [Int: Pending] = [:]
    /// auto_explain's plan logged before its statement (a simple query's), until the statement
    /// comes; one no statement claims is an execution of its own (auto_explain alone, or a
    /// statement under log_min_duration_statement).
    private var plans: [Int: Pending] = [:]
    /// Sessions whose latest entry was one that is not kept (a `bind` duration, a lock wait):
    /// the DETAIL and STATEMENT lines after it are its own, not the pending statement's.
    private var detached: Set<Int> = []
    private var file = ""
    private var fileOrdinal = -1
    /// False while a log summary is written: it follows the peak itself, in file order, and
    /// learns here which sessions ran a statement (`ranStatements`).
    var countsPeak = true
    var ranStatements: [Int] = []
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
        var file: Int
        var time: Double?
        var text: String
        var parameters: String?
        var durationMs: Double?
        /// A `duration:` line with nothing after the time: log_duration's line for the statement
        /// `log_statement` logged before it (never a `parse` or `bind` duration).
        var bareDuration = false
        /// `log_statement`'s line, written before the statement ran: its duration, if logged,
        /// is a bare `duration:` line to come.
        var awaitsDuration = false
        /// An `ERROR` holds the statement pending when it came: `log_statement` logged the
        /// statement that failed before running it, and the `STATEMENT:` line tells which.
        var interrupted: [Pending] = []
        /// An extended-protocol `execute`: its portal ends after the duration line, so
        /// auto_explain's plan for it comes next (a simple query's comes before it).
        var planFollows = false
        var plan: String?

        /// Whether auto_explain's `plan` is this statement's: its `Query Text` is the text (text
        /// format gives its first line); a plan without one is taken as it comes.
        func explained(by plan: String) -> Bool {
            guard let queried = ExplainPlan.queryText(ofLogged: plan) else { return true }
            return text == queried || text.hasPrefix(queried + "\n") || queried.hasPrefix(text + "\n")
        }
    }

    public init() {}

    /// Starts a new input. With `continuing`, it is the next file of the same log (rotated):
    /// sessions open at the end of the previous one go on in it. Otherwise every session ends.
    public func beginFile(_ path: String, continuing: Bool = false, emit: (Execution) -> Void) {
        if continuing {
            // The peak is per input; the sessions, their pending statements and plans carry over.
            if let peak = peakCounter.finish(file: file) { sessionPeak = peak.combined(with: sessionPeak) }
        } else {
            finish(emit: emit)
        }
        file = path
        fileOrdinal += 1
    }

    /// Goes on in input `ordinal` of a log summary's files, sessions carrying over.
    func enterFile(_ path: String, ordinal: Int) {
        file = path
        fileOrdinal = ordinal
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
        // A new process with the key of a session that logged no disconnection (a pid reused
        // without log_disconnections): that session ended before it.
        if entry.severity == .log, entry.message.utf8.first == UInt8(ascii: "c"), Self.startsSession(entry),
           let key = Self.key(of: entry), live[key] != nil {
            endSession(of: entry, emit: emit)
        }
        let session = sessionOrdinal(for: entry)
        let keyed = unknownSession != session
        if keyed && countsPeak { peakCounter.see(session, entry) }
        if entry.severity.isSecondary {
            guard !detached.contains(session), var current = pending[session] else { return }
            switch entry.severity {
            case .detail: current.parameters = Self.parameters(in: entry.message) ?? current.parameters
            case .statement where current.kind == .error:
                current.text = entry.message
                // The statement log_statement logged was this one: it failed, so it is the error only.
                current.interrupted.removeAll { $0.text == entry.message }
            default: break
            }
            pending[session] = current
            return
        }
        let next = classify(entry)
        if !detached.isEmpty { detached.remove(session) }
        if let previous = pending[session], previous.kind == .execution {
            switch next.kind {
            case .plan where previous.planFollows || previous.awaitsDuration:
                // After an extended-protocol `execute` (its portal ends later), or while a
                // statement `log_statement` logged is still running.
                if previous.explained(by: next.text) {
                    if previous.plan == nil { pending[session]?.plan = next.text }
                    return
                }
                // Another statement's plan while a logged statement runs: one nested in it
                // (log_nested_statements), or one log_statement does not log (`ddl`, `mod`).
                if previous.awaitsDuration { return }
            case .other where next.bareDuration && previous.awaitsDuration:
                // `log_statement` logged the text; log_duration's bare `duration:` line completes it.
                pending[session]?.durationMs = next.durationMs
                pending[session]?.awaitsDuration = false
                return
            case .execution where previous.awaitsDuration && !next.awaitsDuration && previous.text == next.text:
                // The same statement logged by log_statement and again with its duration: one execution.
                pending[session]?.durationMs = next.durationMs
                pending[session]?.awaitsDuration = false
                return
            case .error where previous.awaitsDuration:
                var failed = next
                // csvlog and jsonlog carry the failed statement on the error itself.
                failed.interrupted = next.text == previous.text ? [] : [previous]
                pending[session] = failed
                return
            default: break
            }
        }
        if entry.severity == .log, entry.message.utf8.first == UInt8(ascii: "d"), entry.message.hasPrefix("disconnection: ") { return endSession(of: entry, emit: emit) }
        // Other lines (temporary files, lock waits, notices, checkpoints) leave the pending
        // statement open: its duration or plan may still follow.
        guard next.kind != .other else {
            detached.insert(session)
            return
        }
        flush(session, emit: emit)
        pending[session] = next
    }

    /// Emits what is still pending and ends every session (at the end of each input).
    public func finish(emit: (Execution) -> Void) {
        for session in pending.keys.sorted() { flush(session, emit: emit) }
        for session in plans.keys.sorted() { emitUnclaimedPlan(of: session, emit: emit) }
        if let peak = peakCounter.finish(file: file) { sessionPeak = peak.combined(with: sessionPeak) }
        for session in infos.keys.sorted() { if let info = infos[session] { ended.append((session, info)) } }
        infos.removeAll()
        live.removeAll()
        unknownSession = nil
        detached.removeAll()
    }

    /// `connection received:`, the first line of a new backend's session (log_connections).
    static func startsSession(_ entry: LogEntry) -> Bool {
        entry.severity == .log && entry.message.hasPrefix("connection received: ")
    }

    /// `disconnection:`, a session's last line (log_disconnections).
    static func endsSession(_ entry: LogEntry) -> Bool {
        entry.severity == .log && entry.message.hasPrefix("disconnection: ")
    }

    private func ran(_ session: Int) {
        if countsPeak { peakCounter.ranStatement(session) } else { ranStatements.append(session) }
    }

    private func endSession(of entry: LogEntry, emit: (Execution) -> Void) {
        guard let key = Self.key(of: entry), let session = live.removeValue(forKey: key)?.ordinal else { return }
        flush(session, emit: emit)
        emitUnclaimedPlan(of: session, emit: emit)
        detached.remove(session)
        if let info = infos.removeValue(forKey: session) { ended.append((session, info)) }
    }

    private func flush(_ session: Int, emit: (Execution) -> Void) {
        guard let current = pending.removeValue(forKey: session) else { return }
        for statement in current.interrupted { emitPending(statement, session: session, emit: emit) }
        emitPending(current, session: session, emit: emit)
    }

    private func emitPending(_ current: Pending, session: Int, emit: (Execution) -> Void) {
        // A session that ran (or was refused) a statement is a client's, not a background process.
        if current.kind == .execution || current.kind == .error && !current.text.isEmpty { ran(session) }
        switch current.kind {
        case .execution:
            var plan = current.plan
            if plan == nil, !plans.isEmpty, let before = plans[session] {
                if current.explained(by: before.text) {
                    plan = plans.removeValue(forKey: session)?.text
                } else {
                    emitUnclaimedPlan(of: session, emit: emit)
                }
            }
            emit(Execution(line: current.line, file: current.file, time: current.time, session: session, text: current.text,
                           parameters: current.parameters, durationMs: current.durationMs, isError: false,
                           plan: plan, sessionKnown: unknownSession != session))
        case .error where !current.text.isEmpty:
            emit(Execution(line: current.line, file: current.file, time: current.time, session: session, text: current.text,
                           parameters: current.parameters, durationMs: nil, isError: true, plan: nil,
                           sessionKnown: unknownSession != session))
        case .plan:
            // auto_explain logs at executor end, before the statement's own duration line.
            emitUnclaimedPlan(of: session, emit: emit)
            plans[session] = current
        case .error, .other: break
        }
    }

    /// A plan no logged statement claimed is the only record of its execution: its query text,
    /// duration and plan.
    private func emitUnclaimedPlan(of session: Int, emit: (Execution) -> Void) {
        guard let unclaimed = plans.removeValue(forKey: session),
              let text = ExplainPlan.queryText(ofLogged: unclaimed.text) else { return }
        ran(session)
        emit(Execution(line: unclaimed.line, file: unclaimed.file, time: unclaimed.time, session: session, text: text, parameters: nil,
                       durationMs: unclaimed.durationMs, isError: false, plan: unclaimed.text,
                       sessionKnown: unknownSession != session))
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
        if let known = live[key] {
            // `infos` is written back only when the entry names what the session lacked: most
            // entries repeat what is known, or lack it too (a prefix without %a).
            if known.missing != 0, let found = LiveSession.fields(of: entry, among: known.missing), var info = infos[known.ordinal] {
                info.user = info.user ?? entry.user
                info.database = info.database ?? entry.database
                info.application = info.application ?? entry.application
                info.host = info.host ?? entry.host
                infos[known.ordinal] = info
                live[key]?.missing = known.missing & ~found
            }
            return known.ordinal
        }
        let ordinal = sessionCount
        sessionCount += 1
        infos[ordinal] = SessionInfo(id: entry.sessionID, pid: entry.pid, user: entry.user, database: entry.database,
                                     application: entry.application, file: file, host: entry.host)
        let present = LiveSession.fields(of: entry, among: LiveSession.all) ?? 0
        live[key] = LiveSession(ordinal: ordinal, missing: LiveSession.all & ~present)
        if key == .unknown { unknownSession = ordinal }
        return ordinal
    }

    /// A live session's ordinal, and which of who it was (user, database, application, host) no
    /// entry has told yet.
    private struct LiveSession {
        var ordinal: Int
        var missing: UInt8

        static let user: UInt8 = 1, database: UInt8 = 2, application: UInt8 = 4, host: UInt8 = 8
        static let all = user | database | application | host

        /// The fields among `wanted` that `entry` has, or nil for none.
        static func fields(of entry: LogEntry, among wanted: UInt8) -> UInt8? {
            var found: UInt8 = 0
            if wanted & user != 0, entry.user != nil { found |= user }
            if wanted & database != 0, entry.database != nil { found |= database }
            if wanted & application != 0, entry.application != nil { found |= application }
            if wanted & host != 0, entry.host != nil { found |= host }
            return found == 0 ? nil : found
        }
    }

    private func classify(_ entry: LogEntry) -> Pending { Self.classify(entry, file: fileOrdinal, warnings: &warnings) }

    /// Whether a session's entries can be cut between `previous`, its latest entry other than a
    /// DETAIL or STATEMENT line, and `next`, so that the entries before and after the cut
    /// assemble apart into the statements they give together, whatever came before `previous`:
    /// `previous` is a statement with its duration (nothing after can complete it: `next`, or
    /// the end of the entries before the cut, emits it as it is), and more than `gap` seconds
    /// pass before `next` (no run of the detectors goes on across; see `WorkloadAnalyzer.detect`).
    static func cutsCleanly(after previous: LogEntry, before next: LogEntry, gap: Double) -> Bool {
        guard previous.severity == .log, next.severity == .log, let before = previous.time, let after = next.time,
              after - before > gap, !startsSession(next), !endsSession(next) else { return false }
        var ignored = InputWarnings()
        let last = classify(previous, file: 0, warnings: &ignored)
        guard last.kind == .execution, !last.awaitsDuration else { return false }
        // auto_explain's plan of an extended-protocol statement follows its `execute` line.
        return !last.planFollows || classify(next, file: 0, warnings: &ignored).kind != .plan
    }

    private static func classify(_ entry: LogEntry, file: Int, warnings: inout InputWarnings) -> Pending {
        var result = Pending(kind: .other, line: entry.line, file: file, time: entry.time, text: "")
        var sawDuration = false
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
                sawDuration = true
                let start = position
                while position < bytes.count, bytes[position] != 32 { position += 1 }
                guard bytes[position...].starts(with: " ms".utf8) else { return }
                result.bareDuration = position + 3 == bytes.count
                let value = UnsafeBufferPointer(rebasing: bytes[start ..< position])
                switch LogNumber.milliseconds(value) {
                case .success(let milliseconds): result.durationMs = milliseconds
                case .failure(let refusal):
                    // The statement still ran and still counts, without a time.
                    let text = String(decoding: value, as: UTF8.self)
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
        result.awaitsDuration = result.kind == .execution && !sawDuration
        if result.kind == .execution, let detail = entry.detail {
            result.parameters = Self.parameters(in: detail)
        }
        return result
    }

    /// `parameters: $1 = '42'` → `$1 = '42'`.
    static func parameters(in detail: String) -> String? {
        detail.hasPrefix("parameters: ") ? String(detail.dropFirst(12)) : nil
    }
}
