/// How long one statement may run (`statement_timeout`) and wait for a lock (`lock_timeout`): set
/// on the server for a transaction, and enforced by the client too, a little later, so a statement
/// the server cannot interrupt (dblink waiting on a remote query) still ends.
public struct StatementLimits: Sendable, Equatable {
    /// 0 means no limit, as in PostgreSQL.
    public var statementTimeoutMilliseconds: Int
    public var lockTimeoutMilliseconds: Int

    /// How much longer than `statement_timeout` the client waits before cancelling on its own.
    public static let clientGrace = Duration.seconds(2)

    public init(statementTimeoutMilliseconds: Int = 30_000, lockTimeoutMilliseconds: Int = 2_000) {
        self.statementTimeoutMilliseconds = max(0, statementTimeoutMilliseconds)
        self.lockTimeoutMilliseconds = max(0, lockTimeoutMilliseconds)
    }

    /// `SET LOCAL` for both limits, to send right after `BEGIN`.
    public var setLocalStatements: String {
        "SET LOCAL statement_timeout = \(statementTimeoutMilliseconds); SET LOCAL lock_timeout = \(lockTimeoutMilliseconds)"
    }

    /// The `Connection.clientTimeout` that goes with these limits (none without a statement timeout).
    public var clientDeadline: Duration? {
        statementTimeoutMilliseconds == 0 ? nil : .milliseconds(statementTimeoutMilliseconds) + Self.clientGrace
    }

    /// One line for an error: a timeout names the limit it hit, anything else is its description.
    public func describe(_ error: PostgresError) -> String {
        switch error.kind {
        case .timeout where error.sqlState == .lockNotAvailable:
            "statement waited longer than lock_timeout (\(lockTimeoutMilliseconds) ms) for a lock and was cancelled"
        case .timeout:
            "statement ran longer than statement_timeout (\(statementTimeoutMilliseconds) ms) and was cancelled"
        default:
            error.description
        }
    }
}

extension Connection {
    /// Makes every later transaction of this connection read-only and limited (session settings,
    /// checked back): a connection that only ever plans — the advisor's what-if sessions — then
    /// needs no BEGIN / SET LOCAL / ROLLBACK around each of its thousands of EXPLAINs.
    public func beginReadOnlySession(_ limits: StatementLimits) throws(PostgresError) {
        try execute("SET default_transaction_read_only = on; SET standard_conforming_strings = on; "
            + "SET statement_timeout = \(limits.statementTimeoutMilliseconds); SET lock_timeout = \(limits.lockTimeoutMilliseconds)")
        let settings = try query("SELECT current_setting('default_transaction_read_only') AS read_only, "
            + "current_setting('standard_conforming_strings') AS strings, current_setting('client_encoding') AS encoding").rows.first
        guard settings?["read_only"] == "on", settings?["strings"] == "on", settings?["encoding"] == "UTF8" else {
            throw PostgresError(kind: .server, message: "the server did not take the settings of a read-only planning session")
        }
        clientTimeout = limits.clientDeadline
        readOnlySessionLimits = limits
    }

    /// Runs `body` inside `BEGIN READ ONLY` with `limits` on the server and on the client, and
    /// rolls back afterwards whatever happens (nothing in it is meant to change anything).
    public func readOnlyTransaction<T>(_ limits: StatementLimits,
                                       _ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        let previousDeadline = clientTimeout
        clientTimeout = limits.clientDeadline
        defer { clientTimeout = previousDeadline }
        try execute("BEGIN READ ONLY")
        defer { _ = try? execute("ROLLBACK") }
        try execute(limits.setLocalStatements)
        return try body()
    }
}
