import SargableAnalysis
import SargableLogs
import SargablePlan
import SargableSyntax

/// What a statement does, for counting (`.select` counts SELECTs only).
public enum StatementKind: String, Sendable, CaseIterable {
    case any, select, insert, update, delete, merge, other

    /// `select`, `selects`; `statement(s)` for `.any`.
    func noun(_ count: Int) -> String {
        let word = self == .any || self == .other ? "statement" : rawValue
        return count == 1 ? word : word + "s"
    }
}

/// Statements a capture leaves out unless asked: they are the driver's and pool's, not the
/// application's, and counting them makes exact counts break on unrelated changes.
public struct CaptureOptions: Sendable, Hashable {
    /// `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `PREPARE TRANSACTION`.
    public var includeTransactionControl = false
    /// `SET`, `RESET`, `SHOW`, `DISCARD`, and SELECTs that only read settings or identify the
    /// server (`SELECT version()`, `SELECT 1`, `current_setting`, `pg_backend_pid()`).
    public var includeConnectionSetup = false
    /// SELECTs that read only `pg_catalog` and `information_schema` (ORMs' type and schema look-ups).
    public var includeCatalog = false

    public init(includeTransactionControl: Bool = false, includeConnectionSetup: Bool = false, includeCatalog: Bool = false) {
        self.includeTransactionControl = includeTransactionControl
        self.includeConnectionSetup = includeConnectionSetup
        self.includeCatalog = includeCatalog
    }

    /// Every statement, nothing left out.
    public static let everything = CaptureOptions(includeTransactionControl: true, includeConnectionSetup: true, includeCatalog: true)
}

/// One statement the server ran for the code under test, as its log recorded it.
public struct CapturedStatement: Sendable {
    /// Why a statement is left out by default.
    public enum Category: String, Sendable { case application, transactionControl, connectionSetup, catalog }

    public var text: String
    /// `$1 = '42', $2 = 'x'` for the extended protocol.
    public var parameters: String?
    public var durationMs: Double?
    /// The server refused it (an ERROR with this statement).
    public var isError: Bool
    public var kind: StatementKind
    public var category: Category
    /// Tables and views it names (unqualified), in order of first mention.
    public var relations: [String]
    /// The shape: libpg_query's fingerprint (constants and parameters do not change it).
    public var fingerprint: String
    /// The text with constants replaced by `$n`, as reports show a shape.
    public var shape: String
    /// auto_explain's plan (JSON or text), when the database logs plans.
    public var plan: String?
    /// The logged plan as a plan tree, for the plan matchers' kind of checks on what really ran.
    public var explainPlan: ExplainPlan? { plan.flatMap { try? ExplainPlan.decode(logged: $0) } }
    /// The execution as `SargableLogs` assembled it (its session, for the n-plus-one detector).
    public var execution: Execution

    init(_ execution: Execution) {
        self.execution = execution
        text = execution.text
        parameters = execution.parameters
        durationMs = execution.durationMs
        isError = execution.isError
        plan = execution.plan
        let tree = try? PgQuery.parse(execution.text)
        let statements = tree?.statements ?? []
        fingerprint = (try? PgQuery.fingerprint(execution.text).hex) ?? "unparsed:" + execution.text
        shape = ((try? PgQuery.normalize(execution.text)) ?? execution.text).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        var names: [String] = []
        for statement in statements {
            for range in statement.descendants(ofKind: .rangeVar) {
                if let name = range[.relname]?.string, !names.contains(name) { names.append(name) }
            }
        }
        relations = names
        kind = statements.count == 1 ? Self.kind(of: statements[0]) : .other
        category = statements.isEmpty ? .application : Self.category(of: statements)
    }

    private static func kind(of root: Node) -> StatementKind {
        switch root.kind {
        case .selectStmt: .select
        case .insertStmt: .insert
        case .updateStmt: .update
        case .deleteStmt: .delete
        case .mergeStmt: .merge
        default: .other
        }
    }

    /// Functions a driver or pool calls to learn about the server or its session.
    private static let setupFunctions: Set<String> = [
        "version", "current_setting", "set_config", "pg_backend_pid", "current_schema", "current_schemas",
        "current_database", "current_user", "session_user", "inet_server_addr", "inet_server_port",
        "pg_is_in_recovery", "txid_current", "pg_current_xact_id", "pg_postmaster_start_time", "now",
    ]

    private static func category(of statements: [Node]) -> Category {
        var categories = Set<Category>()
        for root in statements {
            switch root.kind {
            case .transactionStmt: categories.insert(.transactionControl)
            case .variableSetStmt, .variableShowStmt, .discardStmt: categories.insert(.connectionSetup)
            case .selectStmt: categories.insert(selectCategory(root))
            default: categories.insert(.application)
            }
        }
        // A batch is left out only when every statement in it would be.
        return categories.count == 1 ? categories.first! : .application
    }

    private static func selectCategory(_ root: Node) -> Category {
        let ranges = root.descendants(ofKind: .rangeVar)
        if ranges.isEmpty {
            let functions = root.descendants(ofKind: .funcCall).compactMap(\.functionName)
            let readsData = !root.descendants(ofKind: .subLink).isEmpty || !root.descendants(ofKind: .rangeFunction).isEmpty
            if !readsData, functions.allSatisfy({ setupFunctions.contains($0) }) { return .connectionSetup }
            return .application
        }
        let catalog = ranges.allSatisfy { range in
            let schema = range[.schemaname]?.string
            if let schema { return schema == "pg_catalog" || schema == "information_schema" }
            return range[.relname]?.string?.hasPrefix("pg_") == true
        }
        return catalog ? .catalog : .application
    }

    func isIncluded(by options: CaptureOptions) -> Bool {
        switch category {
        case .application: true
        case .transactionControl: options.includeTransactionControl
        case .connectionSetup: options.includeConnectionSetup
        case .catalog: options.includeCatalog
        }
    }
}
