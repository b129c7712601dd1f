import SargableSyntax

/// What the statements of a file before this one did to their session: the timeouts SET and the
/// transaction block opened. Each file starts a session of its own (a migration tool runs each file
/// on a connection of its choosing), so nothing carries over between files.
public struct SessionState: Sendable {
    /// `SET lock_timeout` to something other than 0 (LOCAL: until the transaction ends).
    public private(set) var hasLockTimeout = false
    public private(set) var hasStatementTimeout = false
    /// Inside a transaction block: BEGIN … COMMIT written in the file, or the migration tool's.
    public private(set) var inTransaction: Bool
    /// The open transaction is the one the migration tool runs the whole file in.
    public private(set) var inToolTransaction: Bool
    /// Enum values `ALTER TYPE … ADD VALUE` added in the open transaction: PostgreSQL 12+ refuses
    /// to use them before it commits.
    public private(set) var enumValuesAddedInTransaction: Set<String> = []
    private var localLockTimeout = false
    private var localStatementTimeout = false

    /// `fileRunsInTransaction`: the migration tool wraps each file in a transaction of its own.
    public init(fileRunsInTransaction: Bool = false) {
        inTransaction = fileRunsInTransaction
        inToolTransaction = fileRunsInTransaction
    }

    /// Applies one statement; statements other than SET, RESET and transaction control are ignored.
    public mutating func apply(_ root: Node) {
        switch root.kind {
        case .variableSetStmt:
            guard let set = root.as(VariableSetStmt.self), let name = set.name?.lowercased() else {
                if root.as(VariableSetStmt.self)?.kind == .resetAll { hasLockTimeout = false; hasStatementTimeout = false }
                return
            }
            let on = set.kind == .setValue && !Self.isZero(set.args.first)
            switch name {
            case "lock_timeout":
                hasLockTimeout = on
                localLockTimeout = on && set.isLocal
            case "statement_timeout":
                hasStatementTimeout = on
                localStatementTimeout = on && set.isLocal
            default: break
            }
        case .alterEnumStmt:
            if inTransaction, let value = root[.newVal]?.string { enumValuesAddedInTransaction.insert(value) }
        case .transactionStmt:
            switch root.as(TransactionStmt.self)?.kind {
            case .begin?, .start?:
                // A BEGIN inside the tool's transaction is reported once, at the BEGIN: its COMMIT
                // is the file's own from then on.
                inTransaction = true
                inToolTransaction = false
            case .commit?, .rollback?, .prepare?:
                // COMMIT AND CHAIN starts the next transaction at once; SET LOCAL ends with the first.
                inTransaction = root.as(TransactionStmt.self)?.chain == true
                inToolTransaction = false
                enumValuesAddedInTransaction = []
                if localLockTimeout { hasLockTimeout = false; localLockTimeout = false }
                if localStatementTimeout { hasStatementTimeout = false; localStatementTimeout = false }
            default: break
            }
        default: break
        }
    }

    /// `0`, `'0'`, `'0s'`: the timeout is off.
    private static func isZero(_ value: Node?) -> Bool {
        guard let value else { return true }
        // libpg_query omits a zero `ival`.
        if let integer = value[.ival] { return (integer[.ival]?.int ?? 0) == 0 }
        if let text = value[.sval]?[.sval]?.string { return Int(text.prefix { $0.isNumber }) == 0 }
        return false
    }
}
