import Foundation
import SargablePlan
import SargableSyntax

/// What kind of statement is being explained, decided from libpg_query's parse tree.
public enum StatementClass: Sendable, Equatable {
    /// A SELECT (or VALUES/TABLE) that changes nothing: ANALYZE runs inside `BEGIN READ ONLY`.
    case read
    /// INSERT, UPDATE, DELETE, MERGE, or a SELECT with a data-modifying WITH.
    case write
    /// DDL and every other utility statement: never explained.
    case refused(String)

    /// Classifies one parsed statement. `text` is its source, used only to name the refused command.
    public static func of(_ root: Node, text: String) -> StatementClass {
        switch root.kind {
        case .selectStmt:
            if root[.intoClause] != nil { return .refused("SELECT INTO") }
            let modifies = [NodeKind.insertStmt, .updateStmt, .deleteStmt, .mergeStmt]
                .contains { !root.descendants(ofKind: $0).isEmpty }
            return modifies ? .write : .read
        case .insertStmt, .updateStmt, .deleteStmt, .mergeStmt:
            return .write
        default:
            return .refused(commandName(text))
        }
    }

    /// The first words of a statement (`DROP TABLE`, `TRUNCATE`) for messages.
    static func commandName(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let words = ((try? PgQuery.scan(text)) ?? []).filter { !$0.isComment }.prefix(2).map { token in
            String(decoding: bytes[token.range.clamped(to: 0 ..< bytes.count)], as: UTF8.self).uppercased()
        }
        guard let first = words.first else { return "this statement" }
        // Two words name the command better for CREATE/DROP/ALTER (`DROP TABLE`).
        if ["CREATE", "DROP", "ALTER"].contains(first), words.count > 1 { return "\(first) \(words[1])" }
        return first
    }
}

/// How the parameters of a `$1` statement were handled.
public enum ParameterHandling: String, Sendable, Codable {
    /// The statement has no parameters.
    case none
    /// Explained with the values given (`--param`, a log's DETAIL line): a custom plan.
    case values
    /// No values: PREPARE, `plan_cache_mode = force_generic_plan`, EXPLAIN EXECUTE with NULLs.
    /// The generic plan is what the server uses for a prepared statement after five executions.
    case genericPlan = "generic-plan"
}

/// One statement's plan and how it was obtained.
public struct CollectedPlan: Sendable, Codable {
    public var plan: ExplainPlan
    /// True when the statement really ran (EXPLAIN ANALYZE).
    public var executed: Bool
    public var parameters: ParameterHandling
    /// Notes for the reader: rolled back, generic plan, side effects.
    public var notes: [String]
    /// The server's `EXPLAIN (FORMAT JSON)` output as it came, which PEV2 and explain.depesz.com read.
    public var postgresJSON: String = ""
}

/// How `ExplainCollector` explains a statement: whether it may run it, and the limits it runs under.
public struct ExplainOptions: Sendable {
    /// Run the statement (EXPLAIN ANALYZE) when it is safe: SELECTs only, unless `analyzeWrites`.
    public var analyze: Bool
    /// Also run INSERT/UPDATE/DELETE/MERGE, inside a transaction that is always rolled back.
    public var analyzeWrites: Bool
    public var statementTimeoutMilliseconds: Int
    public var lockTimeoutMilliseconds: Int
    /// Which user-defined and extension functions may run (`--trust-functions`, `--allow-function`).
    public var functions: FunctionPolicy
    public var limits: StatementLimits {
        StatementLimits(statementTimeoutMilliseconds: statementTimeoutMilliseconds, lockTimeoutMilliseconds: lockTimeoutMilliseconds)
    }

    public init(analyze: Bool = false, analyzeWrites: Bool = false,
                statementTimeoutMilliseconds: Int = 30_000, lockTimeoutMilliseconds: Int = 2_000,
                functions: FunctionPolicy = FunctionPolicy()) {
        self.analyze = analyze
        self.analyzeWrites = analyzeWrites
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.functions = functions
    }
}

/// Why a statement was not explained.
public struct ExplainError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public let underlying: PostgresError?
    public init(_ description: String, underlying: PostgresError? = nil) {
        self.description = description
        self.underlying = underlying
    }
}

/// Plans one statement again and again on one connection (the advisor's what-if loop): the first
/// plan passes every check of `ExplainCollector.explain`; later ones, of the same text on the same
/// connection, only open the read-only transaction, EXPLAIN and roll back.
public final class RepeatedPlanner {
    public let collector: ExplainCollector
    public let sql: String
    public let root: Node
    public let parameters: [String?]?
    private var checked = false

    public init(collector: ExplainCollector, sql: String, root: Node, parameters: [String?]? = nil) {
        self.collector = collector
        self.sql = sql
        self.root = root
        self.parameters = parameters
    }

    public func plan() throws(ExplainError) -> ExplainPlan {
        if checked, collector.connection.readOnlySessionLimits == collector.options.limits, parameters != nil || !hasParameters {
            return try collector.planInReadOnlySession(sql, parameters: parameters ?? [])
        }
        let collected = try collector.explain(sql, root: root, parameters: parameters, checked: checked)
        checked = true
        return collected.plan
    }

    private lazy var hasParameters = !root.descendants(ofKind: .paramRef).isEmpty
}

/// Collects plans without ever changing the user's data: reads run in a read-only transaction,
/// writes are only planned unless asked, and then rolled back; DDL and utility statements are
/// refused before anything is sent to the server.
public struct ExplainCollector {
    public let connection: Connection
    public let options: ExplainOptions

    public init(connection: Connection, options: ExplainOptions = ExplainOptions()) {
        self.connection = connection
        self.options = options
    }

    public static let sideEffectsNote =
        "the statement ran inside a transaction that was rolled back; sequences (nextval) and side effects of functions are not rolled back"

    /// Explains one statement (its text and parse tree). `parameters` are values for `$1…`; when
    /// the statement has parameters and none are given, the generic plan is explained.
    public func explain(_ sql: String, root: Node, parameters: [String?]? = nil) throws(ExplainError) -> CollectedPlan {
        try explain(sql, root: root, parameters: parameters, checked: false)
    }

    /// `checked`: this statement already passed the lexing and function checks on this
    /// connection (`RepeatedPlanner`), so only the transaction and the EXPLAIN are sent again.
    func explain(_ sql: String, root: Node, parameters: [String?]?, checked: Bool) throws(ExplainError) -> CollectedPlan {
        let statementClass = StatementClass.of(root, text: sql)
        let analyze: Bool
        switch statementClass {
        case .refused(let command):
            throw ExplainError("\(command) is not explained: only SELECT, INSERT, UPDATE, DELETE and MERGE are (DDL and utility statements are refused)")
        case .read:
            analyze = options.analyze
        case .write:
            analyze = options.analyze && options.analyzeWrites
        }
        let parameterCount = root.descendants(ofKind: .paramRef).compactMap { $0[.number]?.int }.max() ?? 0
        var notes: [String] = []
        if statementClass == .write && options.analyze && !options.analyzeWrites {
            notes.append("not executed: writes are only planned unless --analyze-writes is given")
        }
        let handling: ParameterHandling
        if parameterCount == 0 {
            handling = .none
        } else if let parameters {
            // Extra values are as likely a mistake as missing ones: neither is guessed at.
            guard parameters.count == parameterCount else {
                throw ExplainError("the statement uses $\(parameterCount) but \(parameters.count) parameter value(s) were given")
            }
            handling = .values
        } else {
            handling = .genericPlan
            let names = parameterCount == 1 ? "$1" : "$1…$\(parameterCount)"
            notes.append("generic plan: no values for \(names), so the plan the server uses for a prepared statement was explained (not executed)")
        }
        var runs = analyze && handling != .genericPlan

        // Reads and plans that do not run get a read-only transaction: the server itself refuses
        // any write. Only --analyze-writes opens a read-write one, and it is always rolled back.
        let readOnly = !(runs && statementClass == .write)
        let prepared = "sargable_explain_\(UInt32.random(in: 0 ... .max))"
        var isPrepared = false
        var locksReleased = false
        do throws(PostgresError) {
            defer {
                // Prepared statements outlive a rollback, so DEALLOCATE comes after it.
                if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
                if isPrepared { _ = try? connection.deallocate(prepared) }
                if !locksReleased { _ = releaseSessionLocks() }
            }
            // The server must split and read the text exactly as libpg_query did, or the checks
            // below would judge a different statement: standard_conforming_strings off (settable
            // per database, per role, in PGOPTIONS) turns backslashes into escapes. One round trip:
            // the what-if loop plans thousands of times.
            try connection.execute("BEGIN" + (readOnly ? " READ ONLY" : "") + "; " + options.limits.setLocalStatements
                + "; SET LOCAL standard_conforming_strings = on"
                + (handling == .genericPlan ? "; SET LOCAL plan_cache_mode = force_generic_plan" : ""))
            connection.clientTimeout = options.limits.clientDeadline
            if checked && !runs {
                locksReleased = true
                return CollectedPlan(plan: try runExplain(sql, handling: handling, parameters: parameters, count: parameterCount,
                                                          runs: false, prepared: prepared, isPrepared: &isPrepared).0,
                                     executed: false, parameters: handling, notes: notes)
            }
            let lexing = try connection.query("SELECT current_setting('standard_conforming_strings') AS strings, "
                + "current_setting('client_encoding') AS encoding").rows.first
            guard lexing?["strings"] == "on", lexing?["encoding"] == "UTF8" else {
                throw PostgresError(kind: .server, message: "not explained: the server would not read the statement as Sargable parsed it "
                    + "(standard_conforming_strings \(lexing?["strings"] ?? "unknown"), client_encoding \(lexing?["encoding"] ?? "unknown"); "
                    + "both must be on and UTF8)")
            }

            let reached = try FunctionSafety.reachedFunctions(root, writes: statementClass == .write, on: connection)
            let planRefusals = unique(reached.compactMap { FunctionSafety.reasonNotToPlan($0, options.functions) })
            if !planRefusals.isEmpty {
                throw PostgresError(kind: .server, message: "not explained: " + planRefusals.joined(separator: "; "))
            }
            if runs {
                let runRefusals = unique(reached.compactMap { FunctionSafety.reasonNotToRun($0, options.functions) })
                if !runRefusals.isEmpty {
                    runs = false
                    notes.append("not executed: " + runRefusals.joined(separator: "; ") + ": not run with --analyze")
                }
            }
            if runs && statementClass == .write { notes.append(Self.sideEffectsNote) }

            let (plan, json) = try runExplain(sql, handling: handling, parameters: parameters, count: parameterCount, runs: runs,
                                              prepared: prepared, isPrepared: &isPrepared)
            locksReleased = true
            return CollectedPlan(plan: plan, executed: runs, parameters: handling, notes: notes + releaseSessionLocks(),
                                 postgresJSON: json)
        } catch {
            throw ExplainError(describe(error), underlying: error)
        }
    }

    /// A plain EXPLAIN, alone, on a connection whose every transaction is read-only and limited
    /// (`beginReadOnlySession`), of a statement that already passed `explain`'s checks on it.
    /// Generic plans keep the full path: they need plan_cache_mode set for their transaction.
    func planInReadOnlySession(_ sql: String, parameters: [String?]) throws(ExplainError) -> ExplainPlan {
        do throws(PostgresError) {
            var isPrepared = false
            return try runExplain(sql, handling: parameters.isEmpty ? .none : .values, parameters: parameters,
                                  count: parameters.count, runs: false, prepared: "", isPrepared: &isPrepared).0
        } catch {
            throw ExplainError(describe(error), underlying: error)
        }
    }

    /// EXPLAIN of the statement inside the transaction the caller opened: the plan and its JSON.
    private func runExplain(_ sql: String, handling: ParameterHandling, parameters: [String?]?, count parameterCount: Int,
                            runs: Bool, prepared: String, isPrepared: inout Bool) throws(PostgresError) -> (ExplainPlan, String) {
        var explainOptions = runs ? ["ANALYZE", "BUFFERS", "SETTINGS", "FORMAT JSON"] : ["SETTINGS", "FORMAT JSON"]
        if !runs { explainOptions.insert("COSTS", at: 0) }
        let explain = "EXPLAIN (\(explainOptions.joined(separator: ", "))) "
        // Every user statement goes over the extended protocol, which carries exactly one
        // statement; the only text spliced into SQL is our own identifier and NULLs.
        let result: QueryResult
        switch handling {
        case .none:
            result = try connection.query(explain + sql)
        case .values:
            result = try connection.query(explain + sql, Array(parameters?.prefix(parameterCount) ?? []))
        case .genericPlan:
            try connection.prepare(prepared, sql)
            isPrepared = true
            let nulls = Array(repeating: "NULL", count: try connection.describePrepared(prepared)).joined(separator: ", ")
            result = try connection.query(explain + "EXECUTE \(Connection.quoteIdentifier(prepared))(\(nulls))")
        }
        guard let json = result.rows.first?.fields.first ?? nil else {
            throw PostgresError(kind: .server, message: "EXPLAIN returned no plan")
        }
        let plan: ExplainPlan
        do {
            plan = try ExplainPlan.decode(json)
        } catch {
            throw PostgresError(kind: .server, message: "cannot read the plan: \(error)")
        }
        return (plan, json)
    }

    /// Belt and braces: an advisory lock taken for the session outlives the rolled-back
    /// transaction, so any the backend still holds is released (this connection is Sargable's own).
    private func releaseSessionLocks() -> [String] {
        if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
        let held = (try? connection.query(
            "SELECT count(*) AS n FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"))?.rows.first?.int("n") ?? 0
        guard held > 0, (try? connection.query("SELECT pg_advisory_unlock_all()")) != nil else { return [] }
        return ["released \(held) advisory lock(s) the statement left held by the session"]
    }

    private func unique(_ reasons: [String]) -> [String] {
        var seen = Set<String>()
        return reasons.filter { seen.insert($0).inserted }
    }

    private func describe(_ error: PostgresError) -> String {
        options.limits.describe(error)
    }
}
